"""The Alibaba KMS instance gateway (``dkms-gcs-0.2``), as ``alibabacloud-dkms-gcs`` speaks it.

``POST /`` with a protobuf body; the operation is the ``x-kms-apiname`` header.
Each request is checked the way the gateway documents it, in this order:

1. a body over 3 MB: HTTP 413, code ``None.`` (before anything else);
2. ``x-kms-apiversion`` is ``dkms-gcs-0.2`` (``InvalidApiVersion``), the api
   name is served (``InvalidApiName``; a real gateway operation this emulator
   does not serve, such as ``Hmac``, gets ``UnsupportedOperation``);
3. ``content-type`` is ``application/x-protobuf`` (``InvalidContentType`` 415),
   ``x-kms-signaturemethod`` is ``RSA_PKCS1_SHA_256`` and ``date`` is RFC 1123
   (``InvalidParam``), within 15 minutes of now (``RequestTimeTooSkewed``);
4. ``x-kms-acccesskeyid`` (the SDK's spelling, three c's) is present
   (``MissingParameter``) and names a client key the emulator issued
   (``Unauthorized`` 404);
5. ``content-sha256`` is the upper-case hex SHA-256 of the body, and
   ``authorization: Bearer <base64>`` is the RSA PKCS#1 v1.5 SHA-256 signature
   of the string to sign under that client key's public key
   (``SignatureNotMatch`` 401; a malformed header is ``InvalidParam``).

Then the body is decoded as the operation's request message
(``InvalidParameter`` when it does not decode), the fields that are set go to
the fake's :class:`~unikms.dialects.alibaba.fake.AlibabaInstanceService` (with a
``Decrypt``'s ``x-kms-migrationkeyversionid`` request header, the version the
transfer SDK's low-version ``Decrypt`` names instead of a ``KeyId``), and its
answer is encoded as the response message; ``x-kms-migrationkeyversionid`` in
the answer names the version used. Every failure is HTTP >= 400 with a
protobuf ``Error`` body: the SDK parses anything under 400 as the success
message. Signatures, bodies and key material are never logged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from google.protobuf.message import (  # type: ignore[import-untyped,unused-ignore]
    DecodeError,
)

from unikms.dialects.alibaba import instance as rules_module
from unikms.dialects.alibaba.dkms.wire import (
    API_VERSION,
    CONTENT_TYPE,
    MESSAGES,
    MIGRATION_HEADER,
    SIGNATURE_METHOD,
    parse_date,
    pb,
    string_to_sign,
)
from unikms.emulator.credentials import EmulatorCredentials
from unikms.emulator.wire import Request, Response, new_request_id
from unikms.fake.service import FakeService
from unikms.native import NativeError

__all__ = ["GatewayProtocol"]

log = logging.getLogger("unikms.dialects.alibaba.gateway_wire")

RULES = rules_module.RULES
SKEW_SECONDS = 15 * 60
MAX_BODY = rules_module.MAX_BODY

#: operations of the real gateway (and its SDK) that this emulator does not serve
UNSERVED = frozenset(
    {
        "GetSecretValue", "Hash", "Hmac",
        "KmsEncrypt", "KmsDecrypt", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
        "AdvanceGenerateDataKeyPair", "AdvanceGenerateDataKeyPairWithoutPlaintext",
    }
)  # fmt: skip
#: answers that carry the key's initial version in ``x-kms-migrationkeyversionid``
_INITIAL_VERSION_ACTIONS = frozenset({"Encrypt", "Decrypt", "GenerateDataKey"})

_BEARER = re.compile(r"^Bearer ([A-Za-z0-9+/]+={0,2})$")


def _shown(value: str, limit: int = 64) -> str:
    """A header value fit to echo in an error message (printable, bounded)."""
    text = "".join(c if c.isprintable() else "?" for c in value[:limit])
    return text + ("..." if len(value) > limit else "")


def _message(code: str, fmt: Mapping[str, object]) -> str:
    spec = RULES.errors.get(code)
    return spec.native(None, **fmt).message if spec else code


class _Reject(Exception):
    def __init__(self, code: str, **fmt: object) -> None:
        super().__init__(code)
        self.code = code
        self.fmt = fmt


class GatewayProtocol:
    """Serves an :class:`~unikms.dialects.alibaba.fake.AlibabaInstanceService` as the KMS
    instance gateway (``dkms-gcs-0.2``), client-key signatures verified.

    A request from the official SDK (or anything that signs as in the wire
    protocol's section 2.4) with a client key issued by ``credentials``:

    >>> import hashlib, json, tempfile
    >>> from email.utils import formatdate
    >>> from cryptography.hazmat.primitives import hashes, serialization
    >>> from cryptography.hazmat.primitives.asymmetric import padding
    >>> from cryptography.hazmat.primitives.serialization import pkcs12
    >>> from unikms.dialects.alibaba.dkms.wire import pb
    >>> from unikms.emulator.wire import Request
    >>> from unikms.fake import FakeCloud
    >>> from unikms.types import Dialect
    >>> cloud = FakeCloud()
    >>> service = cloud.service(Dialect.ALIBABA_INSTANCE)
    >>> key_id = service.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    >>> creds = EmulatorCredentials()
    >>> issued = creds.issue_client_key(tempfile.mkdtemp())
    >>> p12 = base64.b64decode(json.loads(issued.path.read_text())["PrivateKeyData"])
    >>> private, _, _ = pkcs12.load_key_and_certificates(p12, issued.password.encode())
    >>> body = pb.EncryptRequest(KeyId=key_id, Plaintext=b"hello").SerializeToString()
    >>> headers = {
    ...     "date": formatdate(usegmt=True), "content-type": "application/x-protobuf",
    ...     "content-sha256": hashlib.sha256(body).hexdigest().upper(),
    ...     "x-kms-apiversion": "dkms-gcs-0.2", "x-kms-apiname": "Encrypt",
    ...     "x-kms-signaturemethod": "RSA_PKCS1_SHA_256", "x-kms-acccesskeyid": issued.key_id}
    >>> signature = private.sign(
    ...     string_to_sign(headers, headers["content-sha256"]).encode(),
    ...     padding.PKCS1v15(), hashes.SHA256())
    >>> headers["authorization"] = "Bearer " + base64.b64encode(signature).decode()
    >>> gateway = GatewayProtocol(service, creds)
    >>> answer = gateway.handle(Request("POST", "/", b"", headers, body))
    >>> answer.status, answer.content_type
    (200, 'application/x-protobuf')
    >>> pb.EncryptResponse.FromString(answer.body).KeyId == key_id
    True

    A request with a tampered body is refused with a protobuf ``Error``:

    >>> answer = gateway.handle(Request("POST", "/", b"", headers, body + b"x"))
    >>> answer.status, pb.Error.FromString(answer.body).ErrorCode
    (401, 'SignatureNotMatch')
    """

    name = "alibaba-instance"

    def __init__(
        self,
        service: FakeService,
        credentials: EmulatorCredentials,
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        self.service = service
        self.credentials = credentials
        self.on_change = on_change

    def matches(self, request: Request) -> bool:
        return "x-kms-apiname" in request.headers

    # -- answers ------------------------------------------------------------------
    def error(
        self,
        code: str,
        request_id: str | None = None,
        message: str | None = None,
        status: int | None = None,
        **fmt: object,
    ) -> Response:
        """A protobuf ``Error`` answer, always with an HTTP status of 400 or more."""
        spec = RULES.errors.get(code)
        text = message or _message(code, fmt)
        status = status or (spec.http_status if spec else 400)
        status = status if status >= 400 else 400  # under 400 the SDK reads it as a success
        rid = request_id or new_request_id()
        body = pb.Error(
            StatusCode=status, ErrorCode=code, ErrorMessage=text, RequestId=rid
        ).SerializeToString()
        return Response(status, body, CONTENT_TYPE, request_id=rid)

    def internal_error(self, request: Request) -> Response:
        return self.error("InternalFailure")

    def too_large(self, request: Request) -> Response:
        return self.error("None.")

    # -- the request --------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        api = request.header("x-kms-apiname")
        if len(request.body) > MAX_BODY:
            response = self.too_large(request)
        else:
            response = self._handle(api, request)
        if log.isEnabledFor(logging.DEBUG):  # the operation and the outcome, nothing secret
            outcome = (
                "ok" if response.status < 400 else pb.Error.FromString(response.body).ErrorCode
            )
            log.debug("gateway %s -> %d %s", _shown(api), response.status, outcome)
        return response

    def _handle(self, api: str, request: Request) -> Response:
        try:
            self._authenticate(api, request)
        except _Reject as err:
            return self.error(err.code, message=_message(err.code, err.fmt))
        request_message, response_message = MESSAGES[api]
        try:
            decoded = request_message.FromString(request.body)
        except DecodeError:
            return self.error("InvalidParameter")
        params: dict[str, Any] = {field.name: value for field, value in decoded.ListFields()}
        migration = request.header(MIGRATION_HEADER) if api == "Decrypt" else ""
        if migration:  # the version to open with (the transfer SDK's low-version Decrypt)
            params[rules_module.MIGRATION_VERSION_PARAM] = migration
        try:
            result = self.service.call(api, params)
        except NativeError as err:
            return self.error(err.code, err.request_id, err.message, err.http_status)
        if self.on_change is not None:
            self.on_change(api)
        answer = response_message()
        fields = answer.DESCRIPTOR.fields_by_name
        for name, value in result.items():
            if name in fields and value is not None and value not in ("", b""):
                setattr(answer, name, value)
        headers: tuple[tuple[str, str], ...] = ()
        if migration:
            headers = ((MIGRATION_HEADER, migration),)  # the version it opened with
        elif api in _INITIAL_VERSION_ACTIONS:
            initial = self._initial_version(str(result.get("KeyId", "")))
            if initial:
                headers = ((MIGRATION_HEADER, initial),)
        rid = str(result.get("RequestId", ""))
        return Response(200, answer.SerializeToString(), CONTENT_TYPE, headers, rid)

    def _initial_version(self, key_id: str) -> str | None:
        """The version Encrypt, Decrypt and GenerateDataKey use (a store lookup)."""
        key = self.service.store.get(key_id) if key_id else None
        return key.initial.version_id if key is not None and key.versions else None

    def _authenticate(self, api: str, request: Request) -> None:
        version = request.header("x-kms-apiversion")
        if version != API_VERSION:
            raise _Reject("InvalidApiVersion", name=_shown(version))
        if api in UNSERVED:
            raise _Reject("UnsupportedOperation")
        if api not in MESSAGES:
            raise _Reject("InvalidApiName", name=_shown(api))
        content_type = request.header("content-type")
        if content_type.split(";")[0].strip().lower() != CONTENT_TYPE:
            raise _Reject("InvalidContentType", name=_shown(content_type))
        if request.header("x-kms-signaturemethod") != SIGNATURE_METHOD:
            raise _Reject("InvalidParam", name="x-kms-signaturemethod")
        date = parse_date(request.header("date"))
        if date is None:
            raise _Reject("InvalidParam", name="Date")
        if abs(time.time() - date.timestamp()) > SKEW_SECONDS:
            raise _Reject("RequestTimeTooSkewed")
        key_id = request.header("x-kms-acccesskeyid")
        if not key_id:
            raise _Reject("MissingParameter")
        public_key = self.credentials.client_keys.get(key_id)
        if public_key is None:
            raise _Reject("Unauthorized", name=_shown(key_id))
        content_sha256 = hashlib.sha256(request.body).hexdigest().upper()
        given = request.header("content-sha256").encode("utf-8")  # any text, not only ASCII
        if not hmac.compare_digest(content_sha256.encode("ascii"), given):
            raise _Reject("SignatureNotMatch")
        m = _BEARER.match(request.header("authorization"))
        if m is None:
            raise _Reject("InvalidParam", name="Authorization")
        try:
            signature = base64.b64decode(m[1], validate=True)
        except (binascii.Error, ValueError):
            raise _Reject("InvalidParam", name="Authorization") from None
        to_sign = string_to_sign(request.headers, content_sha256).encode("utf-8")
        try:
            public_key.verify(signature, to_sign, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise _Reject("SignatureNotMatch") from None
