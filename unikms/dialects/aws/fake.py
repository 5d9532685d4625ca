"""The fake AWS KMS (2014-11-01).

AWS does not publish its ciphertext layout (it documents the blob as opaque,
``docs/dialects-aws.md`` A7), so the fake's is its own, and documented::

    byte  0       format version (0x01)
    bytes 1..36   the key id (36 ASCII: a UUID, or mrk- and 32 hex digits)
    bytes 37..40  the key material's index (uint32, big-endian)
    bytes 41..52  the AES-GCM nonce (12 bytes)
    bytes 53..    AES-256-GCM ciphertext || 16-byte tag,
                  AAD = bytes 0..40 || the encryption context's canonical JSON

The context is bound as its canonical JSON (keys sorted by code point, ``,`` and
``:`` without spaces, UTF-8, non-ASCII unescaped): two contexts are equal exactly
when their canonical forms are, so no two different maps collide (moto joins keys
and values without a delimiter, so ``{"ab": "c"}`` and ``{"a": "bc"}`` collide).
An empty context is no context.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import uuid
from collections.abc import Mapping
from datetime import timedelta
from functools import partial
from typing import Any

from cryptography.exceptions import InvalidTag

from unikms import _base64
from unikms.asymmetric import DIGEST_BYTES
from unikms.dialects.aws import rules as aws
from unikms.dialects.base import Situation, canonical_context_json
from unikms.fake import asymmetric, cipher
from unikms.fake.keystore import FakeKey, KeyStore
from unikms.fake.service import FakeService, Throttle
from unikms.native import NativeError, NativeParams, NativeResponse
from unikms.types import KeySpec, KeyState, KeyUsage, SigningAlgorithm

__all__ = ["AwsSeam", "AwsService", "new_aws_store"]

BLOB_VERSION = 1
_HEADER = struct.Struct(">B36sI")
_NONCE = 12
_TAG = 16
_MIN_BLOB = _HEADER.size + _NONCE + _TAG
#: the markers the fake writes (``NextMarker``: a list offset); ``str.isdigit`` would also
#: take digits ``int`` refuses (``"\u00b2"``), and ``int`` refuses over 4,300 digits
_MARKER = re.compile(r"[0-9]{1,18}")
#: the key states an AWS key of the fake can be in (seeds naming others are refused)
STATES = frozenset(
    {KeyState.ENABLED, KeyState.DISABLED, KeyState.PENDING_DELETION, KeyState.PENDING_IMPORT}
)
_STATE_STRINGS = {
    KeyState.ENABLED: "Enabled",
    KeyState.DISABLED: "Disabled",
    KeyState.PENDING_DELETION: "PendingDeletion",
    KeyState.PENDING_IMPORT: "PendingImport",
}
#: what the fake fills in where a caller of ``fail`` named nothing
_DEFAULTS = {
    "name": "request",
    "constraint": "Member must satisfy its documented constraints",
    "detail": "The request was rejected because the specified entity or resource could not "
    "be found.",
    "arn": "The KMS key",
    "state": "in a key state this operation does not take",
}


def new_aws_store(account: str = "111122223333", region: str = "us-east-1", **kw: Any) -> KeyStore:
    """A store with AWS-style ids: UUID key ids, 64-hex-digit key material ids."""
    return KeyStore(
        account=account,
        region=region,
        new_key_id=lambda: str(uuid.uuid4()),
        new_version_id=lambda key_id: os.urandom(32).hex(),
        states=STATES,
        **kw,
    )


def _not_unicode(params: Mapping[str, object]) -> str | None:
    """The first member holding text that is not Unicode (a lone surrogate) anywhere in
    it, which no JSON body can carry: the emulator refuses such a body before the service
    sees it (``unikms.emulator.wire.load_json_object``), and a driver called in process
    refuses it the same way, ``SerializationException`` naming the member (not what is
    inside it: a context's keys stay out of the message)."""

    def unicode(value: object) -> bool:
        if isinstance(value, str):
            if value.isascii():  # the common case, in C
                return True
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return False
            return True
        if isinstance(value, Mapping):
            return all(unicode(k) and unicode(v) for k, v in value.items())
        if isinstance(value, list):
            return all(unicode(v) for v in value)
        return True

    for name, value in params.items():
        if not (unicode(name) and unicode(value)):
            return f"{name}: not Unicode text"
    return None


def aad_for(context: Mapping[str, str] | None) -> bytes:
    """The bytes a (checked) context binds: its canonical JSON; none for no context."""
    return canonical_context_json(context).encode("utf-8") if context else b""


class AwsService(FakeService):
    """Native AWS KMS actions (JSON 1.1 members) over the fake store."""

    rules = aws.RULES

    def __init__(self, store: KeyStore, *, throttle: Throttle | None = None) -> None:
        super().__init__(store, throttle=throttle)
        #: the typed seam (:class:`~unikms.dialects.aws.rules.AwsCrypto`)
        self.aws_crypto = AwsSeam(self)

    def call(self, action: str, params: NativeParams) -> NativeResponse:
        """The base's native call, after the request's shape: a member the action does
        not have, or one of another JSON type than the model's (``MEMBER_TYPES``), answers
        ``SerializationException`` naming the member before any action reads it."""
        if action in self._handlers:
            unknown = self.rules.unknown_param(action, params)
            problem = (
                f"{unknown}: not a member of the {action} request"
                if unknown is not None
                else aws.member_type_error(params) or _not_unicode(params)
            )
            if problem is not None:
                err = self.rules.error("SerializationException", detail=problem)
                err.request_id = self.new_request_id()
                raise err
        return super().call(action, params)

    # -- errors -----------------------------------------------------------------
    def fail(self, situation: Situation, **fmt: object) -> NativeError:
        return self.rules.fail(situation, **{**_DEFAULTS, **fmt})

    def invalid(self, name: str, constraint: str) -> NativeError:
        return self.fail(Situation.INVALID_PARAMETER, name=name, constraint=constraint)

    def not_found(self, detail: str) -> NativeError:
        return self.fail(Situation.KEY_NOT_FOUND, detail=detail)

    def arn(self, key: FakeKey) -> str:
        return aws.key_arn(self.store.region, self.store.account, key.key_id)

    def usable(self, key: FakeKey, *, decrypting: bool = False) -> None:
        state = key.state
        if state is KeyState.ENABLED:
            return
        situation = self.state_situations[state]
        raise self.fail(situation, arn=self.arn(key), state=aws.STATE_TEXT[state])

    def state_error(self, key: FakeKey) -> NativeError:
        return self.fail(
            Situation.INVALID_STATE, arn=self.arn(key), state=aws.STATE_TEXT[key.state]
        )

    # -- names ------------------------------------------------------------------
    def resolve(self, key_text: object, *, aliases: bool = True, name: str = "KeyId") -> FakeKey:
        """The key a ``KeyId`` names: id, key ARN, and (``aliases``) alias name or ARN."""
        if not isinstance(key_text, str) or not key_text:
            raise self.invalid(name, "Member must have length greater than or equal to 1")
        store = self.store
        text = key_text
        if text.startswith("arn:"):
            m = aws.ARN_PATTERN.fullmatch(text)
            if m is None:
                raise self.fail(Situation.INVALID_KEY_ID, detail=f"Invalid arn {text}")
            if m["region"] != store.region or m["account"] != store.account:
                # the fake holds one account in one Region: a key elsewhere is not found
                raise self.not_found(f"Key '{text}' does not exist")
            text = m["resource"]
            if text.startswith("key/"):
                text = text[4:]
        if text.startswith(aws.ALIAS_PREFIX_NATIVE):
            if not aliases:
                raise self.not_found(f"Invalid keyId '{key_text}'")
            target = store.alias_target(text)
            key = store.get(target) if target is not None else None
            if key is None:
                alias = aws.alias_arn(store.region, store.account, text)
                raise self.fail(Situation.ALIAS_NOT_FOUND, detail=f"Alias '{alias}' is not found.")
        else:
            key = store.get(text)
            if key is None:
                if not aws.KEY_ID_PATTERN.fullmatch(text):
                    raise self.fail(Situation.INVALID_KEY_ID, detail=f"Invalid keyId '{key_text}'")
                arn = aws.key_arn(store.region, store.account, text)
                raise self.not_found(f"Key '{arn}' does not exist")
        if key.rotation_enabled:
            self.rotate_if_due(key)
        return key

    def rotate_if_due(self, key: FakeKey) -> None:
        """Automatic rotation: new material every ``RotationPeriodInDays`` from the last
        automatic rotation (or the moment rotation was enabled), as the clock passes."""
        period = timedelta(days=key.rotation_interval_days or aws.DEFAULT_ROTATION_PERIOD)
        due = (key.last_rotation or key.created_at) + period
        now = self.store.clock()
        while key.state is KeyState.ENABLED and due <= now:
            self.store.add_version(key, created_at=due)
            due += period

    def crypto_key(self, key: FakeKey) -> FakeKey:
        if key.state is not KeyState.ENABLED:
            self.usable(key)
        if key.usage is not KeyUsage.ENCRYPT_DECRYPT or not key.symmetric:
            raise self.fail(
                Situation.WRONG_KEY_TYPE,
                detail=f"{self.arn(key)} key usage is not ENCRYPT_DECRYPT with SYMMETRIC_DEFAULT.",
            )
        return key

    # -- parameters -------------------------------------------------------------
    def context(self, params: NativeParams, name: str = "EncryptionContext") -> dict[str, str]:
        value = params.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise self.fail(
                Situation.CONTEXT_INVALID,
                name=name,
                constraint="Member must be a map of string to string",
            )
        return value

    def blob(self, params: NativeParams, name: str, low: int, high: int) -> bytes:
        text = params.get(name)
        if text is None:
            raise self.fail(
                Situation.MISSING_PARAMETER, name=name, constraint="Member must not be null"
            )
        if not isinstance(text, str):
            raise self.fail(Situation.INVALID_PARAMETER, name=name, constraint="Base64 text")
        try:
            data = _base64.decode(text)
        except ValueError:
            raise self.fail(
                Situation.INVALID_PARAMETER, name=name, constraint="Member must be Base64"
            ) from None
        if not low <= len(data) <= high:
            bound = (
                f"less than or equal to {high}"
                if len(data) > high
                else f"greater than or equal to {low}"
            )
            raise self.fail(
                Situation.INVALID_PARAMETER,
                name=name,
                constraint=f"Member must have length {bound}",
            )
        return data

    def algorithm(self, params: NativeParams, name: str = "EncryptionAlgorithm") -> None:
        value = params.get(name)
        if value is None or value == aws.SYMMETRIC_DEFAULT:
            return
        if value not in aws.ENCRYPTION_ALGORITHMS:
            raise self.fail(
                Situation.INVALID_ALGORITHM,
                name=name,
                constraint="Member must satisfy enum value set: "
                + str(sorted(aws.ENCRYPTION_ALGORITHMS)),
            )
        raise self.fail(
            Situation.WRONG_KEY_TYPE,
            detail=f"The {value} algorithm is not valid for a symmetric encryption KMS key.",
        )

    def dry_run(self, params: NativeParams) -> None:
        value = params.get("DryRun")
        if value is None or value is False:
            return
        if value is not True:
            raise self.invalid("DryRun", "Member must be a boolean")
        raise self.fail(Situation.DRY_RUN_PASSED)

    def integer_param(self, params: NativeParams, name: str, low: int, high: int) -> int | None:
        value = params.get(name)
        if value is None:
            return None
        if type(value) is not int or not low <= value <= high:
            raise self.invalid(name, f"Member must have value between {low} and {high}, inclusive")
        return value

    # -- the crypto steps (the native actions and the in-process path share them) --
    def seal(self, key: FakeKey, data: bytes, aad: bytes) -> bytes:
        index = key.primary_index
        head = _HEADER.pack(BLOB_VERSION, key.key_id.encode("ascii"), index)
        nonce = os.urandom(_NONCE)
        return head + nonce + key.versions[index].aesgcm().encrypt(nonce, data, head + aad)

    def unseal(self, blob: bytes, aad: bytes) -> tuple[FakeKey, int, bytes]:
        if len(blob) < _MIN_BLOB or blob[0] != BLOB_VERSION:
            raise self.fail(Situation.INVALID_CIPHERTEXT)
        head = blob[: _HEADER.size]
        _, raw_id, index = _HEADER.unpack(head)
        try:
            key_id = raw_id.decode("ascii")
        except UnicodeDecodeError:
            raise self.fail(Situation.INVALID_CIPHERTEXT) from None
        if not aws.KEY_ID_PATTERN.fullmatch(key_id):
            raise self.fail(Situation.INVALID_CIPHERTEXT)
        key = self.store.get(key_id)
        if key is None:
            arn = aws.key_arn(self.store.region, self.store.account, key_id)
            raise self.not_found(f"Key '{arn}' does not exist")
        if key.rotation_enabled:
            self.rotate_if_due(key)
        if index >= len(key.versions):
            raise self.fail(Situation.INVALID_CIPHERTEXT)
        if key.state is not KeyState.ENABLED:
            self.usable(key, decrypting=True)
        nonce = blob[_HEADER.size : _HEADER.size + _NONCE]
        try:
            data = (
                key.versions[index]
                .aesgcm()
                .decrypt(nonce, blob[_HEADER.size + _NONCE :], head + aad)
            )
        except InvalidTag:
            raise self.fail(Situation.DECRYPT_FAILED) from None
        return key, index, data

    def encrypt_data(
        self, key_text: str, data: bytes, context: Mapping[str, str] | None
    ) -> tuple[bytes, str]:
        """Seal ``data`` under the key ``key_text`` names (the typed seam's step)."""
        key = self.crypto_key(self.resolve(key_text))
        return self.seal(key, data, aad_for(context)), key.key_id

    def decrypt_data(self, blob: bytes, context: Mapping[str, str] | None) -> tuple[bytes, str]:
        key, _, data = self.unseal(blob, aad_for(context))
        return data, key.key_id

    def check_key_param(self, params: NativeParams, name: str, key: FakeKey) -> None:
        """``KeyId`` of Decrypt or ``SourceKeyId`` of ReEncrypt, when given, must name the
        key that made the ciphertext (``IncorrectKeyException``, A7)."""
        given = params.get(name)
        if given is None:
            return
        if self.resolve(given, name=name) is not key:
            raise self.rules.error("IncorrectKeyException")

    # -- crypto actions -----------------------------------------------------------
    def op_Encrypt(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params.get("KeyId"))
        if not key.symmetric:
            return self.asymmetric_encrypt(key, params)
        key = self.crypto_key(key)
        data = self.blob(params, "Plaintext", 1, aws.MAX_PLAINTEXT)
        aad = aad_for(self.context(params))
        self.algorithm(params)
        self.dry_run(params)
        return {
            "CiphertextBlob": _base64.encode(self.seal(key, data, aad)),
            "KeyId": self.arn(key),
            "EncryptionAlgorithm": aws.SYMMETRIC_DEFAULT,
        }

    def op_Decrypt(self, params: NativeParams) -> NativeResponse:
        blob = self.blob(params, "CiphertextBlob", 1, aws.MAX_CIPHERTEXT)
        if params.get("KeyId") is not None:
            named = self.resolve(params.get("KeyId"))
            if not named.symmetric:
                return self.asymmetric_decrypt(named, blob, params)
        aad = aad_for(self.context(params))
        self.algorithm(params)
        key, index, data = self.unseal(blob, aad)
        self.check_key_param(params, "KeyId", key)
        self.dry_run(params)
        return {
            "KeyId": self.arn(key),
            "Plaintext": _base64.encode(data),
            "EncryptionAlgorithm": aws.SYMMETRIC_DEFAULT,
            "KeyMaterialId": key.versions[index].version_id,
        }

    def _data_key(self, params: NativeParams) -> tuple[FakeKey, bytes, bytes]:
        key = self.crypto_key(self.resolve(params.get("KeyId")))
        aad = aad_for(self.context(params))
        size = self.integer_param(params, "NumberOfBytes", *aws.DATA_KEY_BYTES)
        spec = params.get("KeySpec")
        if spec is not None and spec not in aws.DATA_KEY_SPECS:
            raise self.invalid("keySpec", "Member must satisfy enum value set: [AES_256, AES_128]")
        if (size is None) == (spec is None):
            raise self.invalid(
                "NumberOfBytes", "Please specify either number of bytes or key spec, not both."
            )
        self.dry_run(params)
        data = os.urandom(size if size is not None else aws.DATA_KEY_SPECS[str(spec)])
        return key, data, self.seal(key, data, aad)

    def op_GenerateDataKey(self, params: NativeParams) -> NativeResponse:
        key, data, blob = self._data_key(params)
        return {
            "CiphertextBlob": _base64.encode(blob),
            "Plaintext": _base64.encode(data),
            "KeyId": self.arn(key),
            "KeyMaterialId": key.primary.version_id,
        }

    def op_GenerateDataKeyWithoutPlaintext(self, params: NativeParams) -> NativeResponse:
        key, _, blob = self._data_key(params)
        return {
            "CiphertextBlob": _base64.encode(blob),
            "KeyId": self.arn(key),
            "KeyMaterialId": key.primary.version_id,
        }

    def op_ReEncrypt(self, params: NativeParams) -> NativeResponse:
        blob = self.blob(params, "CiphertextBlob", 1, aws.MAX_CIPHERTEXT)
        source_aad = aad_for(self.context(params, "SourceEncryptionContext"))
        target_aad = aad_for(self.context(params, "DestinationEncryptionContext"))
        self.algorithm(params, "SourceEncryptionAlgorithm")
        self.algorithm(params, "DestinationEncryptionAlgorithm")
        if params.get("DestinationKeyId") is None:
            raise self.fail(
                Situation.MISSING_PARAMETER,
                name="destinationKeyId",
                constraint="Member must not be null",
            )
        source, index, data = self.unseal(blob, source_aad)
        self.check_key_param(params, "SourceKeyId", source)
        target = self.crypto_key(self.resolve(params.get("DestinationKeyId")))
        self.dry_run(params)
        return {
            "CiphertextBlob": _base64.encode(self.seal(target, data, target_aad)),
            "SourceKeyId": self.arn(source),
            "KeyId": self.arn(target),
            "SourceEncryptionAlgorithm": aws.SYMMETRIC_DEFAULT,
            "DestinationEncryptionAlgorithm": aws.SYMMETRIC_DEFAULT,
            "SourceKeyMaterialId": source.versions[index].version_id,
            "DestinationKeyMaterialId": target.primary.version_id,
        }

    def op_GenerateRandom(self, params: NativeParams) -> NativeResponse:
        size = self.integer_param(params, "NumberOfBytes", *aws.RANDOM_BYTES)
        if size is None:
            raise self.invalid("numberOfBytes", "Member must not be null")
        return {"Plaintext": _base64.encode(os.urandom(size))}

    # -- keys ---------------------------------------------------------------------
    def metadata(self, key: FakeKey) -> dict[str, Any]:
        if not key.symmetric:
            return self.asymmetric_metadata(key)
        meta: dict[str, Any] = {
            "AWSAccountId": self.store.account,
            "KeyId": key.key_id,
            "Arn": self.arn(key),
            "CreationDate": key.created_at.timestamp(),
            "Enabled": key.state is KeyState.ENABLED,
            "Description": key.description,
            "KeyUsage": "ENCRYPT_DECRYPT",
            "KeyState": _STATE_STRINGS[key.state],
            "Origin": key.origin,
            "KeyManager": "CUSTOMER",
            "CustomerMasterKeySpec": aws.SYMMETRIC_DEFAULT,
            "KeySpec": aws.SYMMETRIC_DEFAULT,
            "EncryptionAlgorithms": [aws.SYMMETRIC_DEFAULT],
            "MultiRegion": key.key_id.startswith("mrk-"),
        }
        if key.deletion_date is not None:
            meta["DeletionDate"] = key.deletion_date.timestamp()
        if key.versions:
            meta["CurrentKeyMaterialId"] = key.primary.version_id
        return meta

    def op_CreateKey(self, params: NativeParams) -> NativeResponse:
        spec = params.get("KeySpec") or params.get("CustomerMasterKeySpec") or "SYMMETRIC_DEFAULT"
        if spec in aws.SPECS_BY_NATIVE:
            return self.create_asymmetric_key(str(spec), params)
        if spec != aws.SYMMETRIC_DEFAULT:
            raise self.fail(
                Situation.UNSUPPORTED_OPERATION,
                detail=f"The fake creates SYMMETRIC_DEFAULT keys only, not {spec}.",
            )
        usage = params.get("KeyUsage") or "ENCRYPT_DECRYPT"
        if usage != "ENCRYPT_DECRYPT":
            raise self.invalid("keyUsage", "SYMMETRIC_DEFAULT keys have KeyUsage ENCRYPT_DECRYPT")
        origin = params.get("Origin") or "AWS_KMS"
        if origin not in ("AWS_KMS", "EXTERNAL"):
            raise self.fail(
                Situation.UNSUPPORTED_OPERATION,
                detail=f"The fake has no custom key stores (Origin {origin}).",
            )
        description = params.get("Description") or ""
        if not isinstance(description, str) or len(description) > aws.MAX_DESCRIPTION:
            raise self.invalid(
                "description",
                f"Member must have length less than or equal to {aws.MAX_DESCRIPTION}",
            )
        tags = self.tags(params.get("Tags") or [])
        multi = params.get("MultiRegion") is True
        key = self.store.create_key(
            spec=KeySpec.AES_256,
            usage=KeyUsage.ENCRYPT_DECRYPT,
            origin=origin,
            description=description,
            state=KeyState.PENDING_IMPORT if origin == "EXTERNAL" else KeyState.ENABLED,
            key_id=f"mrk-{uuid.uuid4().hex}" if multi else None,
        )
        key.tags.update(tags)
        return {"KeyMetadata": self.metadata(key)}

    def op_DescribeKey(self, params: NativeParams) -> NativeResponse:
        return {"KeyMetadata": self.metadata(self.resolve(params.get("KeyId")))}

    def _page(self, items: list[Any], params: NativeParams) -> tuple[list[Any], dict[str, Any]]:
        limit = self.integer_param(params, "Limit", *aws.LIST_LIMIT) or 100
        marker = params.get("Marker")
        start = 0
        if marker is not None:
            if not isinstance(marker, str) or not _MARKER.fullmatch(marker):
                raise self.rules.error("InvalidMarkerException", detail="Invalid marker")
            start = int(marker)
        page = items[start : start + limit]
        more: dict[str, Any] = {"Truncated": start + limit < len(items)}
        if more["Truncated"]:
            more["NextMarker"] = str(start + limit)
        return page, more

    def op_ListKeys(self, params: NativeParams) -> NativeResponse:
        keys = [{"KeyId": k.key_id, "KeyArn": self.arn(k)} for k in self.store.all_keys()]
        page, more = self._page(keys, params)
        return {"Keys": page, **more}

    def op_ListAliases(self, params: NativeParams) -> NativeResponse:
        store = self.store
        aliases = sorted(store.aliases().items())
        if params.get("KeyId") is not None:
            target = self.resolve(params.get("KeyId"), aliases=False)
            aliases = [(a, k) for a, k in aliases if k == target.key_id]
        rows = [
            {
                "AliasName": alias,
                "AliasArn": aws.alias_arn(store.region, store.account, alias),
                "TargetKeyId": key_id,
            }
            for alias, key_id in aliases
        ]
        page, more = self._page(rows, params)
        return {"Aliases": page, **more}

    def alias_name(self, params: NativeParams) -> str:
        alias = params.get("AliasName")
        if not isinstance(alias, str) or not aws.valid_alias_name(alias):
            raise self.fail(
                Situation.INVALID_ALIAS,
                detail=f"Alias {alias} is not a valid alias name: alias/ and up to 256 of "
                "A-Z a-z 0-9 / _ -, not alias/aws/.",
            )
        return alias

    def _target(self, params: NativeParams) -> FakeKey:
        key = self.resolve(params.get("TargetKeyId"), aliases=False, name="TargetKeyId")
        if key.state is KeyState.PENDING_DELETION:
            raise self.state_error(key)
        return key

    def op_CreateAlias(self, params: NativeParams) -> NativeResponse:
        alias = self.alias_name(params)
        key = self._target(params)
        if self.store.alias_target(alias) is not None:
            arn = aws.alias_arn(self.store.region, self.store.account, alias)
            raise self.fail(Situation.ALIAS_EXISTS, name=arn)
        self.store.set_alias(alias, key.key_id)
        return {}

    def _existing_alias(self, params: NativeParams) -> str:
        alias = params.get("AliasName")
        if not isinstance(alias, str) or self.store.alias_target(alias) is None:
            arn = aws.alias_arn(self.store.region, self.store.account, str(alias))
            raise self.fail(Situation.ALIAS_NOT_FOUND, detail=f"Alias {arn} is not found.")
        return alias

    def op_UpdateAlias(self, params: NativeParams) -> NativeResponse:
        alias = self._existing_alias(params)
        self.store.set_alias(alias, self._target(params).key_id)
        return {}

    def op_DeleteAlias(self, params: NativeParams) -> NativeResponse:
        self.store.delete_alias(self._existing_alias(params))
        return {}

    def _managed(self, params: NativeParams) -> FakeKey:
        """The key of an action that takes a key id or key ARN only."""
        return self.resolve(params.get("KeyId"), aliases=False)

    def op_EnableKey(self, params: NativeParams) -> NativeResponse:
        key = self._managed(params)
        if key.state not in (KeyState.ENABLED, KeyState.DISABLED):
            raise self.state_error(key)
        key.state = KeyState.ENABLED
        return {}

    def op_DisableKey(self, params: NativeParams) -> NativeResponse:
        key = self._managed(params)
        if key.state not in (KeyState.ENABLED, KeyState.DISABLED):
            raise self.state_error(key)
        key.state = KeyState.DISABLED
        return {}

    def op_ScheduleKeyDeletion(self, params: NativeParams) -> NativeResponse:
        key = self._managed(params)
        value = params.get("PendingWindowInDays")
        low, high = aws.DELETION_WINDOW
        if value is None:
            days = aws.DEFAULT_DELETION_WINDOW
        elif type(value) is int and low <= value <= high:
            days = value
        else:
            raise self.fail(
                Situation.INVALID_DELETION_WINDOW,
                name="pendingWindowInDays",
                constraint=f"Member must have value between {low} and {high}, inclusive",
            )
        if key.state is KeyState.PENDING_DELETION:
            raise self.state_error(key)
        date = self.store.schedule_deletion(key, days)
        return {
            "KeyId": self.arn(key),
            "DeletionDate": date.timestamp(),
            "KeyState": "PendingDeletion",
            "PendingWindowInDays": days,
        }

    def op_CancelKeyDeletion(self, params: NativeParams) -> NativeResponse:
        key = self._managed(params)
        if key.state is not KeyState.PENDING_DELETION:
            raise self.fail(
                Situation.NOT_PENDING_DELETION, arn=self.arn(key), state="not pending deletion"
            )
        key.state = KeyState.DISABLED if key.versions else KeyState.PENDING_IMPORT
        key.deletion_date = None
        return {"KeyId": self.arn(key)}

    def _rotatable(self, key: FakeKey) -> FakeKey:
        if not key.symmetric:  # "supported only on symmetric encryption KMS keys" (A11)
            raise self.fail(
                Situation.UNSUPPORTED_OPERATION,
                detail=f"{self.arn(key)} key spec is {aws.NATIVE_SPECS[key.spec]} which is not "
                "valid for this operation.",
            )
        if key.origin != "AWS_KMS":
            raise self.fail(
                Situation.UNSUPPORTED_OPERATION,
                detail=f"{self.arn(key)} origin is {key.origin} which is not valid for this "
                "operation.",
            )
        if key.state is not KeyState.ENABLED:
            self.usable(key)
        return key

    def op_EnableKeyRotation(self, params: NativeParams) -> NativeResponse:
        key = self._rotatable(self._managed(params))
        days = self.integer_param(params, "RotationPeriodInDays", *aws.ROTATION_PERIOD)
        if not key.rotation_enabled:
            key.last_rotation = self.store.clock()  # the period counts from now
        key.rotation_enabled = True
        key.rotation_interval_days = days or aws.DEFAULT_ROTATION_PERIOD
        return {}

    def op_DisableKeyRotation(self, params: NativeParams) -> NativeResponse:
        key = self._rotatable(self._managed(params))
        key.rotation_enabled = False
        return {}

    def op_GetKeyRotationStatus(self, params: NativeParams) -> NativeResponse:
        key = self._managed(params)
        answer: dict[str, Any] = {
            "KeyRotationEnabled": key.rotation_enabled,
            "KeyId": self.arn(key),
        }
        if key.rotation_enabled:
            period = key.rotation_interval_days or aws.DEFAULT_ROTATION_PERIOD
            answer["RotationPeriodInDays"] = period
            last = key.last_rotation or key.created_at
            answer["NextRotationDate"] = (last + timedelta(days=period)).timestamp()
        return answer

    def op_RotateKeyOnDemand(self, params: NativeParams) -> NativeResponse:
        key = self._rotatable(self._managed(params))
        if len(key.versions) - 1 >= aws.MAX_ON_DEMAND_ROTATIONS:
            raise self.fail(
                Situation.LIMIT_EXCEEDED,
                detail=f"{self.arn(key)} has been rotated on demand "
                f"{aws.MAX_ON_DEMAND_ROTATIONS} times, the most a key may be.",
            )
        last = key.last_rotation
        self.store.add_version(key)
        if key.rotation_enabled:  # on-demand rotation keeps the automatic schedule
            key.last_rotation = last
        return {"KeyId": self.arn(key)}

    def op_ListKeyRotations(self, params: NativeParams) -> NativeResponse:
        key = self._managed(params)
        rows = [
            {
                "KeyId": self.arn(key),
                "KeyMaterialId": v.version_id,
                "RotationDate": v.created_at.timestamp(),
                "RotationType": "ON_DEMAND",
            }
            for v in key.versions[1:]
        ]
        page, more = self._page(rows, params)
        return {"Rotations": page, **more}

    def op_UpdateKeyDescription(self, params: NativeParams) -> NativeResponse:
        key = self._managed(params)
        description = params.get("Description")
        if not isinstance(description, str) or len(description) > aws.MAX_DESCRIPTION:
            raise self.invalid(
                "description",
                f"Member must have length less than or equal to {aws.MAX_DESCRIPTION}",
            )
        if key.state is KeyState.PENDING_DELETION:
            raise self.state_error(key)
        key.description = description
        return {}

    # -- tags -----------------------------------------------------------------------
    def tags(self, raw: object) -> dict[str, str]:
        if not isinstance(raw, list):
            raise self.invalid("tags", "Member must be a list of Tag")
        out: dict[str, str] = {}
        for tag in raw:
            name = tag.get("TagKey") if isinstance(tag, dict) else None
            value = tag.get("TagValue") if isinstance(tag, dict) else None
            if not isinstance(name, str) or not isinstance(value, str):
                raise self.invalid("tags", "Member must have TagKey and TagValue strings")
            if not aws.TAG_KEY[0] <= len(name) <= aws.TAG_KEY[1] or len(value) > aws.TAG_VALUE[1]:
                raise self.invalid("tags", "TagKey 1..128 and TagValue 0..256 characters")
            if name.startswith(aws.RESERVED_TAG_PREFIX):
                raise self.rules.error(
                    "TagException", detail="Tags beginning with aws: are reserved"
                )
            out[name] = value
        return out

    def op_TagResource(self, params: NativeParams) -> NativeResponse:
        key = self._managed(params)
        tags = self.tags(params.get("Tags"))
        if key.state is KeyState.PENDING_DELETION:
            raise self.state_error(key)
        key.tags.update(tags)
        return {}

    def op_UntagResource(self, params: NativeParams) -> NativeResponse:
        key = self._managed(params)
        names = params.get("TagKeys")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise self.invalid("tagKeys", "Member must be a list of strings")
        if key.state is KeyState.PENDING_DELETION:
            raise self.state_error(key)
        for name in names:
            key.tags.pop(name, None)
        return {}

    def op_ListResourceTags(self, params: NativeParams) -> NativeResponse:
        key = self._managed(params)
        rows = [{"TagKey": k, "TagValue": v} for k, v in sorted(key.tags.items())]
        page, more = self._page(rows, params)
        return {"Tags": page, **more}

    # -- asymmetric keys (docs/dialects-aws.md "Asymmetric keys") ----------------------
    def create_asymmetric_key(self, native_spec: str, params: NativeParams) -> NativeResponse:
        spec = aws.SPECS_BY_NATIVE[native_spec]
        usage = params.get("KeyUsage")
        if usage is None:  # "KeyUsage ... This parameter is required for asymmetric KMS keys"
            raise self.invalid("keyUsage", "KeyUsage is required for asymmetric KMS keys")
        chosen = {"SIGN_VERIFY": KeyUsage.SIGN_VERIFY, "ENCRYPT_DECRYPT": KeyUsage.ENCRYPT_DECRYPT}
        if chosen.get(str(usage)) not in aws.USAGES[spec]:
            raise self.invalid("keyUsage", f"{usage} is not a valid KeyUsage for {native_spec}")
        origin = params.get("Origin") or "AWS_KMS"
        if origin != "AWS_KMS":
            raise self.fail(
                Situation.UNSUPPORTED_OPERATION,
                detail=f"The fake makes asymmetric keys with Origin AWS_KMS only, not {origin}.",
            )
        description = params.get("Description") or ""
        if not isinstance(description, str) or len(description) > aws.MAX_DESCRIPTION:
            raise self.invalid(
                "description",
                f"Member must have length less than or equal to {aws.MAX_DESCRIPTION}",
            )
        tags = self.tags(params.get("Tags") or [])
        key = self.store.create_key(
            spec=spec, usage=chosen[str(usage)], origin=origin, description=description
        )
        key.tags.update(tags)
        return {"KeyMetadata": self.metadata(key)}

    def algorithms(self, key: FakeKey) -> dict[str, list[str]]:
        """``EncryptionAlgorithms`` or ``SigningAlgorithms`` of an asymmetric key (A21)."""
        if key.usage is KeyUsage.SIGN_VERIFY:
            return {"SigningAlgorithms": sorted(aws.SIGNING_ALGORITHMS_NATIVE[key.spec])}
        return {"EncryptionAlgorithms": sorted(aws.OAEP_NATIVE)}

    def asymmetric_metadata(self, key: FakeKey) -> dict[str, Any]:
        native = aws.NATIVE_SPECS[key.spec]
        meta: dict[str, Any] = {
            "AWSAccountId": self.store.account,
            "KeyId": key.key_id,
            "Arn": self.arn(key),
            "CreationDate": key.created_at.timestamp(),
            "Enabled": key.state is KeyState.ENABLED,
            "Description": key.description,
            "KeyUsage": "SIGN_VERIFY" if key.usage is KeyUsage.SIGN_VERIFY else "ENCRYPT_DECRYPT",
            "KeyState": _STATE_STRINGS[key.state],
            "Origin": key.origin,
            "KeyManager": "CUSTOMER",
            "CustomerMasterKeySpec": native,
            "KeySpec": native,
            "MultiRegion": False,
            **self.algorithms(key),
        }
        if key.deletion_date is not None:
            meta["DeletionDate"] = key.deletion_date.timestamp()
        return meta

    def asymmetric(self, key: FakeKey, usage: KeyUsage) -> FakeKey:
        """An Enabled asymmetric key of ``usage``, else the documented error."""
        if key.state is not KeyState.ENABLED:
            self.usable(key)
        if key.symmetric or key.usage is not usage:
            wanted = "SIGN_VERIFY" if usage is KeyUsage.SIGN_VERIFY else "ENCRYPT_DECRYPT"
            raise self.fail(
                Situation.WRONG_KEY_TYPE,
                detail=f"{self.arn(key)} key usage is not {wanted} with an asymmetric key spec.",
            )
        return key

    def oaep_algorithm(self, params: NativeParams) -> str:
        value = params.get("EncryptionAlgorithm")
        if value is None or value == aws.SYMMETRIC_DEFAULT:
            raise self.fail(
                Situation.WRONG_KEY_TYPE,
                detail=f"The {value or aws.SYMMETRIC_DEFAULT} algorithm is not valid for an "
                "asymmetric KMS key; pass EncryptionAlgorithm RSAES_OAEP_SHA_1 or "
                "RSAES_OAEP_SHA_256.",
            )
        if value not in aws.OAEP_NATIVE:
            raise self.fail(
                Situation.INVALID_ALGORITHM,
                name="encryptionAlgorithm",
                constraint="Member must satisfy enum value set: "
                + str(sorted(aws.ENCRYPTION_ALGORITHMS)),
            )
        return str(value)

    def asymmetric_encrypt(self, key: FakeKey, params: NativeParams) -> NativeResponse:
        key = self.asymmetric(key, KeyUsage.ENCRYPT_DECRYPT)
        data = self.blob(params, "Plaintext", 1, aws.MAX_PLAINTEXT)
        algorithm = self.oaep_algorithm(params)
        if params.get("EncryptionContext"):
            raise self.invalid("encryptionContext", "not valid with an asymmetric KMS key")
        self.dry_run(params)
        try:
            sealed = asymmetric.oaep_encrypt(
                asymmetric.private_key(key, key.primary), algorithm, data
            )
        except cipher.CipherFailure:  # longer than OAEP takes with this key (A21)
            raise self.invalid(
                "plaintext", f"Member is too long for {algorithm} with this key"
            ) from None
        return {
            "CiphertextBlob": _base64.encode(sealed),
            "KeyId": self.arn(key),
            "EncryptionAlgorithm": algorithm,
        }

    def asymmetric_decrypt(self, key: FakeKey, blob: bytes, params: NativeParams) -> NativeResponse:
        key = self.asymmetric(key, KeyUsage.ENCRYPT_DECRYPT)
        algorithm = self.oaep_algorithm(params)
        self.dry_run(params)
        try:
            data = asymmetric.oaep_decrypt(
                asymmetric.private_key(key, key.primary), algorithm, blob
            )
        except cipher.CipherFailure:
            raise self.fail(Situation.DECRYPT_FAILED) from None
        return {
            "KeyId": self.arn(key),
            "Plaintext": _base64.encode(data),
            "EncryptionAlgorithm": algorithm,
        }

    def signing(self, params: NativeParams) -> tuple[FakeKey, SigningAlgorithm, bytes]:
        """The key, algorithm and digest of a Sign or Verify request (A22)."""
        key = self.asymmetric(self.resolve(params.get("KeyId")), KeyUsage.SIGN_VERIFY)
        name = params.get("SigningAlgorithm")
        if name is None:
            raise self.fail(
                Situation.MISSING_PARAMETER,
                name="signingAlgorithm",
                constraint="Member must not be null",
            )
        if name not in aws.SIGNING_ALGORITHMS_NATIVE[key.spec]:
            raise self.fail(
                Situation.WRONG_KEY_TYPE,
                detail=f"Algorithm {name} is incompatible with key spec "
                f"{aws.NATIVE_SPECS[key.spec]}.",
            )
        message = self.blob(params, "Message", 1, aws.MAX_PLAINTEXT)
        kind = params.get("MessageType") or "RAW"
        if kind == "DIGEST":
            if len(message) != DIGEST_BYTES:
                raise self.invalid("message", f"Digest is invalid length for algorithm {name}.")
            digest = message
        elif kind == "RAW":
            digest = hashlib.sha256(message).digest()
        else:
            raise self.invalid("messageType", "Member must satisfy enum value set: [RAW, DIGEST]")
        return key, aws.SIGNING_BY_NATIVE[str(name)], digest

    def op_Sign(self, params: NativeParams) -> NativeResponse:
        key, algorithm, digest = self.signing(params)
        self.dry_run(params)
        private = asymmetric.private_key(key, key.primary)
        return {
            "KeyId": self.arn(key),
            "Signature": _base64.encode(asymmetric.sign_digest(private, algorithm, digest)),
            "SigningAlgorithm": aws.NATIVE_SIGNING_ALGORITHMS[algorithm],
        }

    def op_Verify(self, params: NativeParams) -> NativeResponse:
        key, algorithm, digest = self.signing(params)
        signature = self.blob(params, "Signature", 1, aws.MAX_CIPHERTEXT)
        self.dry_run(params)
        private = asymmetric.private_key(key, key.primary)
        if not asymmetric.verify_digest(private, algorithm, digest, signature):
            raise self.rules.error(
                "KMSInvalidSignatureException",
                detail="The signature does not verify with this KMS key, message and "
                "signing algorithm.",
            )
        return {
            "KeyId": self.arn(key),
            "SignatureValid": True,
            "SigningAlgorithm": aws.NATIVE_SIGNING_ALGORITHMS[algorithm],
        }

    def op_GetPublicKey(self, params: NativeParams) -> NativeResponse:
        key = self.resolve(params.get("KeyId"))
        if key.state is not KeyState.ENABLED:
            self.usable(key)
        if key.symmetric:
            raise self.fail(
                Situation.UNSUPPORTED_OPERATION,
                detail=f"{self.arn(key)} key spec is SYMMETRIC_DEFAULT, which has no public key.",
            )
        native = aws.NATIVE_SPECS[key.spec]
        der = asymmetric.public_der(asymmetric.private_key(key, key.primary))
        return {
            "KeyId": self.arn(key),
            "PublicKey": _base64.encode(der),
            "CustomerMasterKeySpec": native,
            "KeySpec": native,
            "KeyUsage": "SIGN_VERIFY" if key.usage is KeyUsage.SIGN_VERIFY else "ENCRYPT_DECRYPT",
            **self.algorithms(key),
        }


class AwsSeam:
    """An AWS service as :class:`~unikms.dialects.aws.rules.AwsCrypto`: the steps its
    native ``Encrypt`` and ``Decrypt`` take, each run as one request, for the neutral
    operations of a ``fake://aws`` client (no Base64 round trips)."""

    def __init__(self, service: AwsService) -> None:
        self.encrypt = partial(service.run, "Encrypt", service.encrypt_data)
        self.decrypt = partial(service.run, "Decrypt", service.decrypt_data)
