"""The AWS dialect calls its drivers only through typed actions (``unikms/dialects/aws/api.py``).

Every action is one the fake answers and the emulator's JSON 1.1 protocol routes; each
request and answer type follows botocore's service model (a blob member is Base64
text and a timestamp Unix seconds on every driver); a driver that answers a field of
the wrong type is a :class:`unikms.ServiceError` naming the field, on the key
operations and on the native bridge of the crypto calls; and no ``call`` in the
dialect names its action with a bare string.
"""

from __future__ import annotations

import ast
import base64
import json
import re
import types
import typing
from pathlib import Path
from typing import Any

import pytest

import unikms
from unikms import KmsClient
from unikms.dialects.aws import api
from unikms.dialects.aws import rules as aws
from unikms.dialects.aws.package import (
    AWS,
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_SECRET_ACCESS_KEY,
    PACKAGE,
)
from unikms.emulator.credentials import EmulatorCredentials
from unikms.emulator.wire import Request
from unikms.fake import FakeCloud
from unikms.fake.service import FakeService
from unikms.native import Action, NativeParams, NativeResponse

DIALECT_DIR = Path(aws.__file__).parent
ACTION_NAMES = [a.name for a in api.ACTIONS]


def test_the_actions_are_distinct_and_named_as_constants() -> None:
    assert len(set(ACTION_NAMES)) == len(api.ACTIONS) == 24
    for action in api.ACTIONS:
        constant = re.sub(r"(?<!^)(?=[A-Z])", "_", action.name).upper()  # ReEncrypt: RE_ENCRYPT
        assert getattr(api, constant) is action
        assert action.request.__name__ == f"{action.name}Request"
        assert action.answer.__name__ == f"{action.name}Answer"


# -- (a) the fake answers every action, the emulator routes it -------------------------


def test_the_fake_answers_every_action() -> None:
    answered = set(FakeCloud().service("aws").actions)
    assert set(ACTION_NAMES) <= answered, sorted(set(ACTION_NAMES) - answered)


class Recorder:
    """The fake service, recording the actions the protocol hands it."""

    def __init__(self, service: FakeService) -> None:
        self.service = service
        self.actions: list[str] = []

    def call(self, action: str, params: NativeParams) -> NativeResponse:
        self.actions.append(action)
        return self.service.call(action, params)


def _signed(action: str, body: bytes) -> Request:
    """A JSON 1.1 request for ``action`` as boto3 signs it (SigV4, the documented key)."""
    auth = pytest.importorskip("botocore.auth")
    awsrequest = pytest.importorskip("botocore.awsrequest")
    credentials = pytest.importorskip("botocore.credentials")
    url = "http://127.0.0.1:4566/"
    request = awsrequest.AWSRequest(
        method="POST",
        url=url,
        data=body,
        headers={
            "X-Amz-Target": f"TrentService.{action}",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    signer = auth.SigV4Auth(
        credentials.Credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY),
        "kms",
        AWS.default_region,
    )
    signer.add_auth(request)
    headers = {k.lower(): v for k, v in request.headers.items()}
    headers["host"] = "127.0.0.1:4566"
    return Request("POST", "/", b"", headers, body)


@pytest.mark.parametrize("name", ACTION_NAMES)
def test_the_emulator_routes_every_action(name: str) -> None:
    cloud = FakeCloud()
    key = cloud.service("aws").call("CreateKey", {})["KeyMetadata"]["KeyId"]
    recorder = Recorder(cloud.service("aws"))
    assert PACKAGE.emulator is not None
    protocol = PACKAGE.emulator.protocol(
        recorder,  # type: ignore[arg-type]
        EmulatorCredentials(),
        lambda action: None,
        {},
    )
    answer = protocol.handle(_signed(name, json.dumps({"KeyId": key}).encode()))
    assert recorder.actions == [name]  # reached the service's action, whatever it answered
    if answer.status != 200:
        assert json.loads(answer.body)["__type"] not in (
            "UnknownOperationException",
            "InvalidSignatureException",
            "UnrecognizedClientException",
        )


# -- the types follow botocore's service model ----------------------------------------

#: the Python type of each of the model's scalar types, as every AWS driver answers it
SCALARS: dict[str, type[Any]] = {
    "string": str,
    "blob": str,  # Base64 text: the fake answers it, the adapter encodes boto3's bytes
    "timestamp": float,  # Unix seconds: the adapter turns boto3's datetime into them
    "integer": int,
    "long": int,
    "boolean": bool,
}


def _without_none(hint: Any) -> Any:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(hint) if a is not type(None)]
        assert len(rest) == 1, hint
        return rest[0]
    return hint


def _disagreements(where: str, hint: Any, shape: Any) -> list[str]:
    """Where ``hint`` (a member's Python type) is not how ``shape`` is delivered."""
    hint = _without_none(hint)
    kind = shape.type_name
    if kind == "structure":
        if not typing.is_typeddict(hint):
            return [f"{where}: {hint} is no TypedDict for structure {shape.name}"]
        return _typeddict_disagreements(where, hint, shape.members)
    if kind == "list":
        if typing.get_origin(hint) is not list:
            return [f"{where}: {hint} is no list"]
        return _disagreements(f"{where}[]", typing.get_args(hint)[0], shape.member)
    if kind == "map":
        if typing.get_origin(hint) is not dict:
            return [f"{where}: {hint} is no dict"]
        return _disagreements(f"{where}{{}}", typing.get_args(hint)[1], shape.value)
    if hint is not SCALARS[kind]:
        return [f"{where}: {hint} for {kind} {shape.name}, not {SCALARS[kind].__name__}"]
    return []


def _typeddict_disagreements(where: str, typed: Any, members: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for name, hint in typing.get_type_hints(typed).items():
        if name == "RequestId" and where.endswith("Answer"):
            continue  # every driver adds it; not a member of the model
        if name not in members:
            out.append(f"{where}.{name}: not a member of the model's shape")
            continue
        out.extend(_disagreements(f"{where}.{name}", hint, members[name]))
    return out


@pytest.fixture(scope="module")
def model() -> Any:
    session = pytest.importorskip("botocore.session")
    return session.get_session().get_service_model("kms")


@pytest.mark.parametrize("action", api.ACTIONS, ids=ACTION_NAMES)
def test_each_type_follows_the_service_model(model: Any, action: Action[Any, Any]) -> None:
    operation = model.operation_model(action.name)
    request_members = operation.input_shape.members
    answer_members = operation.output_shape.members if operation.output_shape else {}
    assert _typeddict_disagreements(action.request.__name__, action.request, request_members) == []
    assert _typeddict_disagreements(action.answer.__name__, action.answer, answer_members) == []
    # a request member unikms sends is one the dialect's rules know (the fake refuses others)
    assert set(typing.get_type_hints(action.request)) <= aws.KNOWN_PARAMS[action.name]


def test_a_member_unikms_always_sends_is_required_and_one_it_may_not_is_optional() -> None:
    request = api.DecryptRequest
    assert request.__required_keys__ == frozenset({"CiphertextBlob"})
    assert request.__optional_keys__ == {
        "EncryptionContext",
        "KeyId",
        "EncryptionAlgorithm",
        "DryRun",
    }
    # optional request members may also be None: the seam leaves None out
    for action in api.ACTIONS:
        hints = typing.get_type_hints(action.request)
        for name in action.request.__optional_keys__:
            assert type(None) in typing.get_args(hints[name]), (action.name, name)


# -- the fake and the boto3 adapter deliver the same types -----------------------------


def _types(value: Any, path: str = "") -> dict[str, str]:
    """Each field's path -> its type's name (a list by its first item)."""
    if isinstance(value, dict):
        out: dict[str, str] = {}
        for name, field in value.items():
            out.update(_types(field, f"{path}.{name}" if path else name))
        return out
    if isinstance(value, list):
        return {path: "list", **(_types(value[0], path + "[]") if value else {})}
    return {path: type(value).__name__}


def test_the_boto3_adapter_answers_as_the_fake_does() -> None:
    """The boto3 adapter through the emulator and the emulator's own fake, asked the same:
    the same fields of the same types (boto3's bytes and datetimes turned back into
    Base64 and Unix seconds), and the very same answer where nothing is random."""
    pytest.importorskip("boto3")
    from urllib.parse import parse_qsl, urlsplit

    from unikms.dialects.aws.adapter import open_url
    from unikms.emulator import Emulator

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    with Emulator() as emu:
        parts = urlsplit(emu.adapter_urls()["aws"])
        adapter = open_url(parts, dict(parse_qsl(parts.query)))
        fake = emu.cloud.service("aws")
        key = adapter.call("CreateKey", {"Description": "d"})["KeyMetadata"]["KeyId"]
        rsa = adapter.call("CreateKey", {"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"})
        ecc = adapter.call("CreateKey", {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"})
        rsa_id, ecc_id = rsa["KeyMetadata"]["KeyId"], ecc["KeyMetadata"]["KeyId"]
        adapter.call("CreateAlias", {"AliasName": "alias/typed", "TargetKeyId": key})
        adapter.call("EnableKeyRotation", {"KeyId": key, "RotationPeriodInDays": 90})
        context = {"tenant": "42"}
        blob = adapter.call(
            "Encrypt", {"KeyId": key, "Plaintext": b64(b"data"), "EncryptionContext": context}
        )["CiphertextBlob"]
        signed = {"KeyId": ecc_id, "SigningAlgorithm": "ECDSA_SHA_256", "Message": b64(b"m")}
        signature = adapter.call("Sign", {**signed, "MessageType": "RAW"})["Signature"]
        random_answers = [
            ("CreateKey", {"Description": "d"}),
            ("Encrypt", {"KeyId": "alias/typed", "Plaintext": b64(b"data")}),
            ("Decrypt", {"CiphertextBlob": blob, "EncryptionContext": context}),
            ("GenerateDataKey", {"KeyId": key, "NumberOfBytes": 32}),
            (
                "ReEncrypt",
                {
                    "CiphertextBlob": blob,
                    "SourceEncryptionContext": context,
                    "DestinationKeyId": key,
                },
            ),
            ("GenerateRandom", {"NumberOfBytes": 16}),
            ("Sign", {**signed, "MessageType": "RAW"}),
            (
                "Encrypt",
                {
                    "KeyId": rsa_id,
                    "Plaintext": b64(b"x"),
                    "EncryptionAlgorithm": "RSAES_OAEP_SHA_256",
                },
            ),
        ]
        same_answers = [
            ("DescribeKey", {"KeyId": key}),
            ("DescribeKey", {"KeyId": ecc_id}),
            ("GetKeyRotationStatus", {"KeyId": key}),
            ("ListKeys", {"Limit": 1000}),
            ("ListAliases", {"KeyId": key}),
            ("Verify", {**signed, "MessageType": "RAW", "Signature": signature}),
            ("GetPublicKey", {"KeyId": rsa_id}),
        ]
        actions = {a.name: a for a in api.ACTIONS}
        for action, params in random_answers + same_answers:
            by_adapter, by_fake = adapter.call(action, params), fake.call(action, params)
            assert _types(by_adapter) == _types(by_fake), action
            actions[action].checked(by_adapter)  # the declared types hold on both
            actions[action].checked(by_fake)
            if (action, params) in same_answers:
                by_adapter.pop("RequestId"), by_fake.pop("RequestId")
                assert by_adapter == by_fake, action
        adapter.close()


# -- (b) a driver answering a field of the wrong type -------------------------------


class Altering:
    """The fake service behind the native interface only (so the neutral operations take
    the native bridge, not the fake's ``aws_crypto``), answering one field of one action
    with another value."""

    def __init__(self, service: FakeService, action: str, path: tuple[str, ...], value: Any):
        self.service = service
        self.dialect = service.dialect
        self.action = action
        self.path = path
        self.value = value

    def call(self, action: str, params: NativeParams) -> NativeResponse:
        answer = self.service.call(action, params)
        if action == self.action:
            target = answer
            for name in self.path[:-1]:
                target = target[name]
            target[self.path[-1]] = self.value
        return answer

    def close(self) -> None:
        self.service.close()


def _altered(action: str, path: tuple[str, ...], value: Any) -> tuple[KmsClient, str]:
    """A client over a driver that alters ``path`` of ``action``'s answer, and a key."""
    cloud = FakeCloud()
    key = KmsClient(cloud.service("aws")).create_key(alias="alias/typed").key_id
    driver = Altering(cloud.service("aws"), action, path, value)
    kms = KmsClient(driver)  # type: ignore[arg-type]
    assert isinstance(kms._ops.crypto, aws.NativeAwsCrypto)  # type: ignore[attr-defined]
    return kms, key


def test_a_key_state_of_the_wrong_type_is_a_service_error_naming_it() -> None:
    kms, key = _altered("DescribeKey", ("KeyMetadata", "KeyState"), 1)
    with pytest.raises(unikms.ServiceError) as err:
        kms.describe_key(key)
    assert "KeyMetadata.KeyState of type int, not str" in str(err.value)
    assert "DescribeKey" in str(err.value)


def test_a_missing_key_id_is_a_service_error_when_read() -> None:
    kms, key = _altered("DescribeKey", ("KeyMetadata", "KeyId"), None)  # None is absent
    with pytest.raises(unikms.ServiceError, match="the answer to DescribeKey has no KeyId"):
        kms.describe_key(key)


@pytest.mark.parametrize(
    ("action", "path", "value", "message"),
    [
        # an adapter that forgot to turn boto3's bytes into Base64
        ("Encrypt", ("CiphertextBlob",), b"\x01blob", "CiphertextBlob of type bytes, not str"),
        ("Encrypt", ("KeyId",), 7, "KeyId of type int, not str"),
        ("Decrypt", ("Plaintext",), b"secret", "Plaintext of type bytes, not str"),
    ],
)
def test_a_crypto_answer_of_the_wrong_type_through_the_native_bridge(
    action: str, path: tuple[str, ...], value: Any, message: str
) -> None:
    kms, _ = _altered(action, path, value)
    with pytest.raises(unikms.ServiceError) as err:
        sealed = kms.encrypt("alias/typed", b"data", context={"a": "1"})
        kms.decrypt(sealed.ciphertext, context={"a": "1"})
    assert f"the answer to {action} has {message}" in str(err.value)
    assert "secret" not in str(err.value)  # no value of the answer in the message


def test_a_well_typed_driver_answers_through_the_bridge_as_the_fake_does() -> None:
    kms, key = _altered("Encrypt", ("EncryptionAlgorithm",), "SYMMETRIC_DEFAULT")
    sealed = kms.encrypt("alias/typed", b"data")
    assert kms.decrypt(sealed.ciphertext).plaintext == b"data"
    assert sealed.key_id == key
    info = kms.describe_key("alias/typed")
    assert info.aliases == ("alias/typed",)
    assert info.native["KeyRotationEnabled"] is False  # added to KeyMetadata's members


# -- (c) no bare action names ----------------------------------------------------------


def _calls(path: Path) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "call"
    ]


@pytest.mark.parametrize("path", sorted(DIALECT_DIR.glob("*.py")), ids=lambda p: p.name)
def test_no_call_names_its_action_with_a_string(path: Path) -> None:
    bare = [
        f"{path.name}:{node.lineno}"
        for node in _calls(path)
        if node.args
        and (
            (isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str))
            or isinstance(node.args[0], ast.JoinedStr)
        )
    ]
    assert bare == []


def test_the_operations_call_every_action_and_only_these() -> None:
    named = {
        node.args[0].id
        for node in _calls(DIALECT_DIR / "rules.py")
        if node.args and isinstance(node.args[0], ast.Name)
    }
    constants = {name for name in api.__all__ if isinstance(getattr(api, name), Action)}
    assert named == constants
