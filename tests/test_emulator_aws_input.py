"""AWS JSON 1.1 requests that are malformed get a 400 error, never ``KMSInternalException``.

Requests signed by botocore's SigV4 straight to :class:`AwsJsonProtocol` (no
server): the body is what is hostile, the signature is valid; or the signature
does not cover the body, and the request is refused. Each case is one the AWS
fuzz target found (``tests/test_fuzz_emulator.py``, ``docs/fuzzing.md``).
"""

from __future__ import annotations

import hashlib
import json

import pytest

from unikms.dialects.aws.package import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY
from unikms.dialects.aws.rules import MEMBER_TYPES, RULES
from unikms.dialects.aws.wire import CONTENT_TYPE, AwsJsonProtocol
from unikms.emulator.credentials import EmulatorCredentials
from unikms.emulator.wire import Request, Response
from unikms.fake import FakeCloud

auth = pytest.importorskip("botocore.auth")
awsrequest = pytest.importorskip("botocore.awsrequest")
credentials = pytest.importorskip("botocore.credentials")

HOST = "127.0.0.1:9"


def signed(action: str, body: bytes, headers: dict[str, str] | None = None) -> Request:
    """A JSON 1.1 request as boto3 signs it; ``headers`` are added before signing (botocore
    signs them, and takes ``X-Amz-Content-SHA256`` for the payload's hash)."""
    request = awsrequest.AWSRequest(
        method="POST",
        url=f"http://{HOST}/",
        data=body,
        headers={
            "X-Amz-Target": f"TrentService.{action}",
            "Content-Type": CONTENT_TYPE,
            **(headers or {}),
        },
    )
    keys = credentials.Credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY)
    auth.SigV4Auth(keys, "kms", "us-east-1").add_auth(request)
    sent = {k.lower(): v for k, v in request.headers.items()}
    sent["host"] = HOST
    return Request("POST", "/", b"", sent, body)


class Aws:
    """An AWS protocol over a fake with one key (alias ``alias/in``) and a ciphertext."""

    def __init__(self) -> None:
        self.service = FakeCloud().service("aws")
        self.protocol = AwsJsonProtocol(self.service, EmulatorCredentials())
        self.key = self.service.call("CreateKey", {})["KeyMetadata"]["KeyId"]
        self.service.call("CreateAlias", {"AliasName": "alias/in", "TargetKeyId": self.key})
        sealed = {"KeyId": self.key, "Plaintext": "aGk=", "EncryptionContext": {"a": "b"}}
        self.blob = self.service.call("Encrypt", sealed)["CiphertextBlob"]

    def answer(self, request: Request) -> tuple[Response, str]:
        """The answer and its ``__type`` (``ok`` for a 200); never a 5xx."""
        response = self.protocol.handle(request)
        assert response.status < 500, response.body
        doc = json.loads(response.body)
        return response, "ok" if response.status == 200 else doc["__type"]


@pytest.fixture
def aws() -> Aws:
    return Aws()


# -- bug (f): the payload hash ------------------------------------------------------------


@pytest.mark.parametrize(
    ("claimed", "code"),
    [
        pytest.param("signed", "InvalidSignatureException", id="hash-of-the-signed-bytes"),
        pytest.param("UNSIGNED-PAYLOAD", "InvalidSignatureException", id="unsigned-payload"),
        pytest.param("sent", "ok", id="hash-of-the-sent-bytes"),
    ],
)
def test_a_body_the_signature_does_not_cover_is_refused(aws: Aws, claimed: str, code: str) -> None:
    """Bug (f), fixed: the emulator took ``X-Amz-Content-SHA256`` for the body's hash, so
    a request signed over ``{}`` was served with any other body. KMS, unlike S3, takes no
    unsigned payload: the hash in the canonical request is the body's own."""
    original, sent = b"{}", b'{"Limit": 1}'
    value = {
        "signed": hashlib.sha256(original).hexdigest(),
        "sent": hashlib.sha256(sent).hexdigest(),
    }.get(claimed, claimed)
    request = signed("ListKeys", original, {"X-Amz-Content-SHA256": value})
    tampered = Request(request.method, request.path, request.query, request.headers, sent)
    assert aws.answer(tampered)[1] == code


# -- bug (g): JSON that is no Unicode text, or no number ------------------------------------


@pytest.mark.parametrize(
    ("action", "body"),
    [
        pytest.param(
            "Encrypt",
            b'{"KeyId": "alias/in", "Plaintext": "aGk=", "EncryptionContext": {"a": "\\ud800"}}',
            id="surrogate-in-a-context-value",
        ),
        pytest.param(
            "Encrypt",
            b'{"KeyId": "alias/in", "Plaintext": "aGk=", "EncryptionContext": {"\\udc00": "a"}}',
            id="surrogate-in-a-context-key",
        ),
        pytest.param(
            "ReEncrypt",
            b'{"CiphertextBlob": "BLOB", "DestinationKeyId": "alias/in", '
            b'"SourceEncryptionContext": {"a": "\\ud800"}}',
            id="surrogate-in-the-source-context",
        ),
        pytest.param("CreateKey", b'{"Description": "\\ud800"}', id="surrogate-in-a-string"),
        pytest.param("GenerateRandom", b'{"NumberOfBytes": Infinity}', id="infinity"),
        pytest.param("ListKeys", b'{"Limit": NaN}', id="nan"),
        pytest.param("GenerateRandom", b'{"NumberOfBytes": 1e999}', id="out-of-range"),
        pytest.param("ListKeys", b"[" * 5000 + b"]" * 5000, id="deep"),
        pytest.param("ListKeys", b'"{}"', id="not-an-object"),
    ],
)
def test_json_that_is_no_unicode_text_or_no_number_is_a_serialization_error(
    aws: Aws, action: str, body: bytes
) -> None:
    """Bug (g), fixed: a lone surrogate in an encryption context (valid JSON, no Unicode
    text) answered ``KMSInternalException`` 500: the context's canonical UTF-8 could not
    be written. The body is now read as Tencent's is (``load_json_object``): a JSON
    object of finite numbers and Unicode text, else ``SerializationException``. (Before,
    a surrogate elsewhere was stored as it came, and ``Infinity``, ``NaN`` and ``1e999``
    reached the members' range checks as floats: ``ValidationException``.)"""
    request = signed(action, body.replace(b"BLOB", aws.blob.encode()))
    response, code = aws.answer(request)
    assert code == "SerializationException"
    assert response.status == 400


# -- bug (h): a member of the wrong JSON type ------------------------------------------------


@pytest.mark.parametrize(
    ("action", "member", "value"),
    [
        ("Sign", "SigningAlgorithm", []),
        ("Verify", "SigningAlgorithm", {"a": 1}),
        ("Encrypt", "EncryptionAlgorithm", {"a": "b"}),
        ("Decrypt", "EncryptionAlgorithm", ["SYMMETRIC_DEFAULT"]),
        ("CreateKey", "KeySpec", ["RSA_2048"]),
        ("CreateKey", "CustomerMasterKeySpec", {}),
        ("GenerateDataKey", "KeySpec", []),
        ("Encrypt", "KeyId", ["alias/in"]),
        ("ListKeys", "Limit", "10"),
        ("Encrypt", "EncryptionContext", {"a": 1}),
        ("TagResource", "Tags", ["a"]),
        ("Encrypt", "DryRun", "true"),
    ],
)
def test_a_member_of_the_wrong_json_type_is_a_serialization_error(
    aws: Aws, action: str, member: str, value: object
) -> None:
    """Bug (h), fixed: a list or an object where the model has a string reached a set or
    dict look-up in the fake (``TypeError: unhashable``): ``KMSInternalException`` 500
    (the first six cases but ``CustomerMasterKeySpec``, which an empty object made the
    default spec). Every member's JSON type is now checked against the model's before
    the action runs (``MEMBER_TYPES``): ``SerializationException``, as for an unknown
    member, naming the member. (The rest answered ``ValidationException`` before.)"""
    params = {"KeyId": aws.key} if "KeyId" in RULES.known_params[action] else {}
    params[member] = value
    response, code = aws.answer(signed(action, json.dumps(params).encode()))
    assert code == "SerializationException"
    assert json.loads(response.body)["message"].startswith(f"{member}: ")


def test_an_unknown_member_is_named(aws: Aws) -> None:
    """A member the action does not have is a ``SerializationException`` naming it (its
    message was the not-found text before: the type check's test found it)."""
    body = json.dumps({"KeyId": aws.key, "Plaintext": "aGk=", "Plaintxt": "x"}).encode()
    response, code = aws.answer(signed("Encrypt", body))
    assert code == "SerializationException"
    assert json.loads(response.body)["message"] == "Plaintxt: not a member of the Encrypt request"


def test_the_member_types_are_botocores() -> None:
    """``MEMBER_TYPES`` is botocore's KMS model: every member the rules know that is not a
    string has the model's type there, and every other one is a string or a blob."""
    botocore_session = pytest.importorskip("botocore.session")
    model = botocore_session.get_session().get_service_model("kms")
    kinds = {"integer": "integer", "boolean": "boolean", "map": "map", "structure": "structure"}
    for action, members in RULES.known_params.items():
        shapes = model.operation_model(action).input_shape.members
        for name in members:
            shape = shapes[name]
            if shape.type_name == "list":
                kind = "tags" if shape.member.type_name == "structure" else "list"
            else:
                kind = kinds.get(shape.type_name, "string")
            assert MEMBER_TYPES.get(name, "string") == kind, (action, name, shape.type_name)


# -- bug (i): a marker that is not ours ------------------------------------------------------


@pytest.mark.parametrize(
    "marker", ["\u00b2", "1\u00b2", "\u0661", "\uff11", "1" * 5000, "-1", " 1", "1.0", ""]
)
@pytest.mark.parametrize("action", ["ListKeys", "ListAliases"])
def test_a_marker_that_is_not_ours_is_an_invalid_marker(aws: Aws, action: str, marker: str) -> None:
    """Bug (i), fixed: ``Marker`` was checked with ``str.isdigit``, true for ``"\u00b2"``
    (superscript two) and then read with ``int``, which refuses it, and any number over
    4,300 digits: ``KMSInternalException`` 500 (``"\u0661"`` and ``"\uff11"``, other
    scripts' one, were read as page 1). A marker is the fake's own ``NextMarker``, ASCII
    digits, else ``InvalidMarkerException``."""
    body = json.dumps({"Marker": marker}).encode()
    assert aws.answer(signed(action, body))[1] == "InvalidMarkerException"


def test_a_marker_of_ours_pages_on(aws: Aws) -> None:
    for _ in range(2):
        aws.service.call("CreateKey", {})
    first = json.loads(aws.answer(signed("ListKeys", b'{"Limit": 2}'))[0].body)
    body = json.dumps({"Limit": 2, "Marker": first["NextMarker"]}).encode()
    rest = json.loads(aws.answer(signed("ListKeys", body))[0].body)
    assert first["NextMarker"] == "2" and len(first["Keys"]) == 2 and len(rest["Keys"]) == 1


def test_the_fake_called_in_process_refuses_text_that_is_not_unicode() -> None:
    """No JSON body carries a lone surrogate, so the emulator refuses one before the
    service; the same service called as a driver in process refused it with a raw
    UnicodeEncodeError (found by the AWS fuzz targets): now SerializationException,
    naming the member and not what is inside it."""
    from unikms import KmsClient
    from unikms.fake import FakeCloud
    from unikms.native import NativeError

    service = FakeCloud().service("aws")
    key = KmsClient(service).create_key().key_id
    cases = [
        ("Encrypt", {"KeyId": key, "Plaintext": "aGk=", "EncryptionContext": {"k\ud800": "v"}}),
        ("CreateKey", {"Description": "x\udfff"}),
    ]
    for action, params in cases:
        with pytest.raises(NativeError) as err:
            service.call(action, params)
        assert err.value.code == "SerializationException"
        assert err.value.message.endswith(": not Unicode text")
        assert "k\ud800" not in err.value.message
