"""The KMS instance gateway protocol (``dkms-gcs-0.2``) of the emulator, request by request.

Requests are signed here by a small signer written from the wire protocol's
section 2.4 (not by the SDK: ``tests/test_gateway_sdk.py`` does that), so each
check can be broken on its own while everything else stays valid.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import logging
import tempfile
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from tests.gateway_sdk.serve import serve
from unikms.dialects.alibaba.dkms.wire import pb, string_to_sign
from unikms.dialects.alibaba.gateway_wire import GatewayProtocol
from unikms.emulator.app import MAX_BODY as APP_MAX_BODY
from unikms.emulator.app import EmulatorApp
from unikms.emulator.credentials import EmulatorCredentials, IssuedClientKey
from unikms.emulator.wire import Request, Response
from unikms.fake import FakeCloud
from unikms.fake.service import FakeService
from unikms.native import NativeError
from unikms.types import Dialect, KeySpec, KeyUsage

GATEWAY_LIMIT = 3 * 1024 * 1024
MIGRATION = "x-kms-migrationkeyversionid"


# -- a signer from the spec ---------------------------------------------------------------
def http_date(when: datetime | None = None) -> str:
    return format_datetime(when or datetime.now(timezone.utc), usegmt=True)


class Signer:
    """Signs gateway requests as section 2.4 says, with a client key file and its password."""

    def __init__(self, issued: IssuedClientKey) -> None:
        doc = json.loads(Path(issued.path).read_text("utf-8"))
        self.key_id: str = doc["KeyId"]
        private, _, _ = pkcs12.load_key_and_certificates(
            base64.b64decode(doc["PrivateKeyData"]), issued.password.encode()
        )
        assert isinstance(private, rsa.RSAPrivateKey)
        self.private = private

    def headers(self, api: str, body: bytes, **overrides: str | None) -> dict[str, str]:
        """Signed headers; ``overrides`` (``_`` for ``-``) are applied *before* signing."""
        headers = {
            "accept": "application/x-protobuf",
            "host": "127.0.0.1:1",
            "date": http_date(),
            "user-agent": "unikms-test-signer",
            "x-kms-apiversion": "dkms-gcs-0.2",
            "x-kms-apiname": api,
            "x-kms-signaturemethod": "RSA_PKCS1_SHA_256",
            "x-kms-acccesskeyid": self.key_id,
            "content-type": "application/x-protobuf",
            "content-length": str(len(body)),
            "content-sha256": hashlib.sha256(body).hexdigest().upper(),
        }
        for raw_name, value in overrides.items():
            name = raw_name.replace("_", "-")
            if value is None:
                headers.pop(name, None)
            else:
                headers[name] = value
        to_sign = string_to_sign(headers, headers.get("content-sha256", ""))
        signature = self.private.sign(to_sign.encode(), padding.PKCS1v15(), hashes.SHA256())
        headers["authorization"] = "Bearer " + base64.b64encode(signature).decode()
        return headers

    def request(self, api: str, message: Any, **overrides: str | None) -> Request:
        body = message if isinstance(message, bytes) else message.SerializeToString()
        return Request("POST", "/", b"", self.headers(api, body, **overrides), body)


def tampered(request: Request, body: bytes | None = None, **headers: str | None) -> Request:
    """``request`` changed *after* signing."""
    changed = dict(request.headers)
    for raw_name, value in headers.items():
        name = raw_name.replace("_", "-")
        if value is None:
            changed.pop(name, None)
        else:
            changed[name] = value
    return Request("POST", "/", b"", changed, request.body if body is None else body)


# -- fixtures -------------------------------------------------------------------------------
@pytest.fixture
def cloud() -> FakeCloud:
    return FakeCloud()


@pytest.fixture
def service(cloud: FakeCloud) -> FakeService:
    return cloud.service(Dialect.ALIBABA_INSTANCE)


@pytest.fixture
def key_id(cloud: FakeCloud, service: FakeService) -> str:
    key: str = service.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    cloud.clock.advance(days=8)
    service.call("CreateKeyVersion", {"KeyId": key})  # the primary is not the initial version
    return key


@pytest.fixture
def credentials() -> EmulatorCredentials:
    return EmulatorCredentials()


@pytest.fixture
def issued(credentials: EmulatorCredentials, tmp_path: Path) -> IssuedClientKey:
    return credentials.issue_client_key(tmp_path / "keys")


@pytest.fixture
def signer(issued: IssuedClientKey) -> Signer:
    return Signer(issued)


@pytest.fixture
def changes() -> list[str]:
    return []


@pytest.fixture
def gateway(
    service: FakeService, credentials: EmulatorCredentials, changes: list[str]
) -> GatewayProtocol:
    return GatewayProtocol(service, credentials, changes.append)


def call(gateway: GatewayProtocol, request: Request, answer: type[Any]) -> tuple[Response, Any]:
    response = gateway.handle(request)
    assert response.content_type == "application/x-protobuf"
    assert response.status == 200, pb.Error.FromString(response.body)
    return response, answer.FromString(response.body)


def rejected(response: Response, code: str, status: int, message: str | None = None) -> Any:
    assert response.status == status
    assert response.content_type == "application/x-protobuf"
    error = pb.Error.FromString(response.body)
    assert (error.ErrorCode, error.StatusCode) == (code, status), error
    assert error.RequestId
    if message is not None:
        assert error.ErrorMessage == message
    return error


def versions(service: FakeService, key_id: str) -> tuple[str, str]:
    key = service.store.get(key_id)
    assert key is not None
    return key.initial.version_id, key.primary.version_id


# -- routing --------------------------------------------------------------------------------
def test_matches_on_the_apiname_header(gateway: GatewayProtocol) -> None:
    assert gateway.matches(Request("POST", "/", b"", {"x-kms-apiname": "Encrypt"}, b""))
    assert not gateway.matches(Request("POST", "/", b"", {"x-acs-action": "Encrypt"}, b""))


# -- every action ---------------------------------------------------------------------------
def test_encrypt_then_decrypt(
    gateway: GatewayProtocol, signer: Signer, service: FakeService, key_id: str,
    changes: list[str],
) -> None:  # fmt: skip
    initial, _ = versions(service, key_id)
    response, enc = call(
        gateway,
        signer.request("Encrypt", pb.EncryptRequest(KeyId=key_id, Plaintext=b"hi", Aad=b"a")),
        pb.EncryptResponse,
    )
    assert enc.KeyId == key_id
    assert enc.Algorithm == "AES_GCM"
    assert len(enc.Iv) == 12
    assert enc.RequestId
    assert dict(response.headers)[MIGRATION] == initial
    response, dec = call(
        gateway,
        signer.request(
            "Decrypt",
            pb.DecryptRequest(
                CiphertextBlob=enc.CiphertextBlob, KeyId=key_id, Iv=enc.Iv, Aad=b"a",
                Algorithm=enc.Algorithm,
            ),
        ),
        pb.DecryptResponse,
    )  # fmt: skip
    assert (dec.Plaintext, dec.KeyId, dec.Algorithm) == (b"hi", key_id, "AES_GCM")
    assert dec.RequestId and dec.RequestId != enc.RequestId
    assert dict(response.headers)[MIGRATION] == initial
    assert changes == ["Encrypt", "Decrypt"]


@pytest.mark.parametrize(
    ("algorithm", "padding_mode", "plaintext", "iv_len"),
    [
        ("AES_GCM", "", b"gcm", 12),
        ("AES_CBC", "PKCS7_PADDING", b"cbc", 16),
        ("AES_CBC", "NO_PADDING", bytes(32), 16),
        ("AES_ECB", "PKCS7_PADDING", b"ecb", 0),
        ("AES_ECB", "NO_PADDING", bytes(16), 0),
    ],
)
def test_advance_encrypt_then_advance_decrypt(
    gateway: GatewayProtocol, signer: Signer, service: FakeService, key_id: str,
    algorithm: str, padding_mode: str, plaintext: bytes, iv_len: int,
) -> None:  # fmt: skip
    if algorithm != "AES_GCM":
        # CBC and ECB on the gateway: HSM and external keys; AdvanceEncrypt: not HSM keys
        key_id = service.store.create_key(
            spec=KeySpec.AES_256, usage=KeyUsage.ENCRYPT_DECRYPT, origin="EXTERNAL"
        ).key_id
    _, primary = versions(service, key_id)
    request = pb.AdvanceEncryptRequest(
        KeyId=key_id, Plaintext=plaintext, Algorithm=algorithm, PaddingMode=padding_mode
    )
    response, enc = call(
        gateway, signer.request("AdvanceEncrypt", request), pb.AdvanceEncryptResponse
    )
    assert (enc.KeyId, enc.Algorithm, enc.PaddingMode) == (key_id, algorithm, padding_mode)
    assert enc.KeyVersionId == primary
    assert len(enc.Iv) == iv_len
    assert MIGRATION not in dict(response.headers)
    _, dec = call(
        gateway,
        signer.request(
            "AdvanceDecrypt", pb.AdvanceDecryptRequest(CiphertextBlob=enc.CiphertextBlob)
        ),
        pb.AdvanceDecryptResponse,
    )
    assert (dec.Plaintext, dec.KeyId, dec.KeyVersionId) == (plaintext, key_id, primary)
    assert dec.Algorithm == algorithm


def test_generate_data_key_then_decrypt(
    gateway: GatewayProtocol, signer: Signer, service: FakeService, key_id: str
) -> None:
    initial, _ = versions(service, key_id)
    response, gen = call(
        gateway,
        signer.request(
            "GenerateDataKey", pb.GenerateDataKeyRequest(KeyId=key_id, NumberOfBytes=24)
        ),
        pb.GenerateDataKeyResponse,
    )
    assert len(gen.Plaintext) == 24
    assert gen.Algorithm == "AES_GCM"
    assert dict(response.headers)[MIGRATION] == initial
    _, dec = call(
        gateway,
        signer.request(
            "Decrypt",
            pb.DecryptRequest(CiphertextBlob=gen.CiphertextBlob, KeyId=key_id, Iv=gen.Iv),
        ),
        pb.DecryptResponse,
    )
    assert dec.Plaintext == gen.Plaintext


def test_advance_generate_data_key_then_advance_decrypt(
    gateway: GatewayProtocol, signer: Signer, service: FakeService, key_id: str
) -> None:
    _, primary = versions(service, key_id)
    _, gen = call(
        gateway,
        signer.request(
            "AdvanceGenerateDataKey",
            pb.AdvanceGenerateDataKeyRequest(KeyId=key_id, NumberOfBytes=32, Aad=b"x"),
        ),
        pb.AdvanceGenerateDataKeyResponse,
    )
    assert len(gen.Plaintext) == 32
    assert gen.KeyVersionId == primary
    _, dec = call(
        gateway,
        signer.request(
            "AdvanceDecrypt",
            pb.AdvanceDecryptRequest(CiphertextBlob=gen.CiphertextBlob, Aad=b"x"),
        ),
        pb.AdvanceDecryptResponse,
    )
    assert (dec.Plaintext, dec.KeyVersionId) == (gen.Plaintext, primary)


def test_only_the_fields_that_are_set_reach_the_service(
    gateway: GatewayProtocol, signer: Signer, service: FakeService, key_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    seen: list[Mapping[str, Any]] = []
    real = service.call

    def spy(action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        seen.append(dict(params))
        return real(action, params)

    monkeypatch.setattr(service, "call", spy)
    call(
        gateway,
        signer.request("Encrypt", pb.EncryptRequest(KeyId=key_id, Plaintext=b"p", Aad=b"")),
        pb.EncryptResponse,
    )
    call(
        gateway,
        signer.request(
            "GenerateDataKey", pb.GenerateDataKeyRequest(KeyId=key_id, NumberOfBytes=16)
        ),
        pb.GenerateDataKeyResponse,
    )
    assert seen == [{"KeyId": key_id, "Plaintext": b"p"}, {"KeyId": key_id, "NumberOfBytes": 16}]


def test_answers_carry_only_their_message_fields(
    gateway: GatewayProtocol, signer: Signer, key_id: str
) -> None:
    response, enc = call(
        gateway,
        signer.request("Encrypt", pb.EncryptRequest(KeyId=key_id, Plaintext=b"p")),
        pb.EncryptResponse,
    )
    enc.DiscardUnknownFields()
    assert enc.SerializeToString() == response.body  # nothing the message does not define
    assert {f.name for f, _ in enc.ListFields()} == {
        "KeyId", "CiphertextBlob", "Iv", "RequestId", "Algorithm",
    }  # fmt: skip


# -- rejections -----------------------------------------------------------------------------
Case = Callable[[Signer, bytes], Request]


def _signed(**overrides: str | None) -> Case:
    return lambda s, body: s.request("Encrypt", body, **overrides)


def _after(body: bytes | None = None, **headers: str | None) -> Case:
    return lambda s, b: tampered(s.request("Encrypt", b), body, **headers)


def _other_signer(s: Signer, body: bytes) -> Request:
    with tempfile.TemporaryDirectory() as directory:
        stranger = Signer(EmulatorCredentials().issue_client_key(directory))
    stranger.key_id = s.key_id  # a known key id, signed with another private key
    return stranger.request("Encrypt", body)


STALE = datetime.now(timezone.utc) - timedelta(minutes=16)
AHEAD = datetime.now(timezone.utc) + timedelta(minutes=60)  # made at collection: keep a margin
REJECTIONS: dict[str, tuple[Case, str, int, str | None]] = {
    "wrong api version": (
        _signed(x_kms_apiversion="dkms-gcs-0.1"), "InvalidApiVersion", 400,
        'The ApiVersion "dkms-gcs-0.1" is invalid.',
    ),
    "no api version": (_signed(x_kms_apiversion=None), "InvalidApiVersion", 400, None),
    "unknown api name": (
        lambda s, b: s.request("Bogus", b), "InvalidApiName", 400,
        'The ApiName "Bogus" is invalid.',
    ),
    "empty api name": (lambda s, b: s.request("", b), "InvalidApiName", 400, None),
    "a management action": (lambda s, b: s.request("CreateKey", b), "InvalidApiName", 400, None),
    "an unserved gateway operation": (
        lambda s, b: s.request("Hmac", b), "UnsupportedOperation", 400, None,
    ),
    "json content type": (
        _signed(content_type="application/json"), "InvalidContentType", 415,
        'Content-Type "application/json" is unsupported.',
    ),
    "no content type": (_signed(content_type=None), "InvalidContentType", 415, None),
    "wrong signature method": (
        _signed(x_kms_signaturemethod="RSA_PSS_SHA_256"), "InvalidParam", 400,
        "The Param x-kms-signaturemethod is invalid.",
    ),
    "no signature method": (
        _signed(x_kms_signaturemethod=None), "InvalidParam", 400,
        "The Param x-kms-signaturemethod is invalid.",
    ),
    "iso date": (
        _signed(date="2026-11-23T06:38:22Z"), "InvalidParam", 400, "The Param Date is invalid.",
    ),
    "impossible date": (
        _signed(date="Mon, 31 Feb 2026 06:38:22 GMT"), "InvalidParam", 400,
        "The Param Date is invalid.",
    ),
    "no date": (_signed(date=None), "InvalidParam", 400, "The Param Date is invalid."),
    "expired date": (
        _signed(date=http_date(STALE)), "RequestTimeTooSkewed", 400,
        "Request time exceeds server time more than 15 minutes.",
    ),
    "date ahead": (_signed(date=http_date(AHEAD)), "RequestTimeTooSkewed", 400, None),
    "no access key id": (
        _signed(x_kms_acccesskeyid=None), "MissingParameter", 400,
        "Parameter x-kms-acccesskeyid does not exist in http header or body.",
    ),
    "access key id spelt right": (
        _signed(x_kms_acccesskeyid=None, x_kms_accesskeyid="KAAP.x"), "MissingParameter", 400,
        None,
    ),
    "wrong key id": (
        _signed(x_kms_acccesskeyid="KAAP.00000000-0000-0000-0000-000000000000"),
        "Unauthorized", 404,
        'The AccessKey ID "KAAP.00000000-0000-0000-0000-000000000000" does not exist in our '
        "records.",
    ),
    "tampered body": (_after(body=b"\x0a\x03abc"), "SignatureNotMatch", 401, None),
    "lower-case content-sha256": (
        lambda s, b: s.request("Encrypt", b, content_sha256=hashlib.sha256(b).hexdigest()),
        "SignatureNotMatch", 401, None,
    ),
    "no content-sha256": (_signed(content_sha256=None), "SignatureNotMatch", 401, None),
    "non-ascii content-sha256": (
        _after(content_sha256="\u00c9" * 64), "SignatureNotMatch", 401, None,
    ),
    "date changed after signing": (
        _after(date=http_date(datetime.now(timezone.utc) - timedelta(minutes=1))),
        "SignatureNotMatch", 401, None,
    ),
    "x-kms header added after signing": (
        _after(x_kms_extra="1"), "SignatureNotMatch", 401, None,
    ),
    "signed by another key": (_other_signer, "SignatureNotMatch", 401, None),
    "signature of other bytes": (
        _after(authorization="Bearer " + base64.b64encode(bytes(256)).decode()),
        "SignatureNotMatch", 401, None,
    ),
    "no authorization": (
        _after(authorization=None), "InvalidParam", 400, "The Param Authorization is invalid.",
    ),
    "basic authorization": (
        _after(authorization="Basic dXNlcjpwYXNz"), "InvalidParam", 400,
        "The Param Authorization is invalid.",
    ),
    "bearer not base64": (
        _after(authorization="Bearer not*base64"), "InvalidParam", 400,
        "The Param Authorization is invalid.",
    ),
    "bearer bad padding": (
        _after(authorization="Bearer abc"), "InvalidParam", 400,
        "The Param Authorization is invalid.",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(REJECTIONS))
def test_rejections(
    gateway: GatewayProtocol, signer: Signer, key_id: str, changes: list[str], case: str
) -> None:
    build, code, status, message = REJECTIONS[case]
    body = pb.EncryptRequest(KeyId=key_id, Plaintext=b"secret plaintext").SerializeToString()
    rejected(gateway.handle(build(signer, body)), code, status, message)
    assert changes == []


def test_a_date_within_fifteen_minutes_is_accepted(
    gateway: GatewayProtocol, signer: Signer, key_id: str
) -> None:
    late = http_date(datetime.now(timezone.utc) - timedelta(minutes=14))
    request = signer.request("Encrypt", pb.EncryptRequest(KeyId=key_id, Plaintext=b"p"), date=late)
    call(gateway, request, pb.EncryptResponse)


@pytest.mark.parametrize(
    "body",
    [b"\xff\xff\xff", b"\x0a\x05ab", b"\x0a\x02\xff\xfe"],  # garbage, truncated, bad UTF-8 KeyId
    ids=["garbage", "truncated", "bad-utf8"],
)
def test_a_body_that_does_not_decode(gateway: GatewayProtocol, signer: Signer, body: bytes) -> None:
    rejected(gateway.handle(signer.request("Encrypt", body)), "InvalidParameter", 400)


@pytest.mark.parametrize(
    ("api", "message", "code", "status"),
    [
        ("Encrypt", pb.EncryptRequest(KeyId="key-hzz" + "0" * 18, Plaintext=b"p"),
         "Forbidden.KeyNotFound", 404),
        ("Encrypt", pb.EncryptRequest(Plaintext=b"p"), "InvalidParameter", 400),
        ("AdvanceDecrypt", pb.AdvanceDecryptRequest(CiphertextBlob=b"junk"),
         "InvalidParameter", 400),
        ("GenerateDataKey", pb.GenerateDataKeyRequest(NumberOfBytes=-1), "InvalidParameter", 400),
    ],
)  # fmt: skip
def test_service_errors(
    gateway: GatewayProtocol, signer: Signer, api: str, message: Any, code: str, status: int
) -> None:
    rejected(gateway.handle(signer.request(api, message)), code, status)


def test_a_disabled_key(
    gateway: GatewayProtocol, signer: Signer, service: FakeService, key_id: str
) -> None:
    service.call("DisableKey", {"KeyId": key_id})
    request = signer.request("Encrypt", pb.EncryptRequest(KeyId=key_id, Plaintext=b"p"))
    rejected(gateway.handle(request), "Rejected.Disabled", 409)


def test_an_error_is_never_sent_with_a_success_status(
    gateway: GatewayProtocol, signer: Signer, service: FakeService, key_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    def odd(action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        raise NativeError("Odd", "an error with status 200", 200, "rid")

    monkeypatch.setattr(service, "call", odd)
    request = signer.request("Encrypt", pb.EncryptRequest(KeyId=key_id, Plaintext=b"p"))
    error = rejected(gateway.handle(request), "Odd", 400, "an error with status 200")
    assert error.RequestId == "rid"


def test_too_large_and_internal_error(gateway: GatewayProtocol, signer: Signer) -> None:
    request = signer.request("Encrypt", b"")
    rejected(gateway.too_large(request), "None.", 413, "None.")
    rejected(gateway.internal_error(request), "InternalFailure", 500, "Internal Failure.")


def test_a_body_over_3_mb_is_refused_before_anything_else(gateway: GatewayProtocol) -> None:
    request = Request("POST", "/", b"", {"x-kms-apiname": "Encrypt"}, bytes(GATEWAY_LIMIT + 1))
    rejected(gateway.handle(request), "None.", 413, "None.")


# -- through the ASGI app on a real server ------------------------------------------------------
@pytest.fixture
def endpoint(gateway: GatewayProtocol) -> Iterator[str]:
    with serve(EmulatorApp([gateway])) as ep:
        yield ep


def post(endpoint: str, headers: Mapping[str, str], body: bytes) -> tuple[int, str, bytes]:
    host, port = endpoint.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        sent = {k: v for k, v in headers.items() if k not in ("host", "content-length")}
        conn.request("POST", "/", body=body, headers=sent)
        answer = conn.getresponse()
        return answer.status, answer.getheader("content-type") or "", answer.read()
    finally:
        conn.close()


@pytest.mark.parametrize(
    "size",
    [GATEWAY_LIMIT + 1, APP_MAX_BODY + 1],
    ids=["just-over-3MB", "over-the-server-read-limit"],
)
def test_a_body_over_3_mb_gets_413_from_the_server(
    endpoint: str, signer: Signer, key_id: str, size: int
) -> None:
    body = pb.EncryptRequest(KeyId=key_id, Plaintext=bytes(size)).SerializeToString()
    status, content_type, raw = post(endpoint, signer.headers("Encrypt", body), body)
    assert (status, content_type) == (413, "application/x-protobuf")
    error = pb.Error.FromString(raw)
    assert (error.ErrorCode, error.ErrorMessage, error.StatusCode) == ("None.", "None.", 413)
    # and the server keeps serving
    small = pb.EncryptRequest(KeyId=key_id, Plaintext=b"p").SerializeToString()
    status, _, raw = post(endpoint, signer.headers("Encrypt", small), small)
    assert status == 200
    assert pb.EncryptResponse.FromString(raw).KeyId == key_id


def test_a_body_of_exactly_3_mb_is_served(endpoint: str, signer: Signer, key_id: str) -> None:
    overhead = len(
        pb.EncryptRequest(KeyId=key_id, Plaintext=bytes(GATEWAY_LIMIT)).SerializeToString()
    )
    plaintext = bytes(GATEWAY_LIMIT - (overhead - GATEWAY_LIMIT))
    body = pb.EncryptRequest(KeyId=key_id, Plaintext=plaintext).SerializeToString()
    assert len(body) == GATEWAY_LIMIT
    status, _, raw = post(endpoint, signer.headers("Encrypt", body), body)
    assert status == 200, pb.Error.FromString(raw)


def test_a_crash_is_a_protobuf_500_and_the_server_keeps_serving(
    endpoint: str, signer: Signer, service: FakeService, key_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    real = service.call

    def crash(action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        if params.get("Plaintext") == b"boom":
            raise RuntimeError("a bug with a secret in its message")
        return real(action, params)

    monkeypatch.setattr(service, "call", crash)
    body = pb.EncryptRequest(KeyId=key_id, Plaintext=b"boom").SerializeToString()
    status, content_type, raw = post(endpoint, signer.headers("Encrypt", body), body)
    assert (status, content_type) == (500, "application/x-protobuf")
    error = pb.Error.FromString(raw)
    assert error.ErrorCode == "InternalFailure"
    assert "secret" not in error.ErrorMessage
    body = pb.EncryptRequest(KeyId=key_id, Plaintext=b"fine").SerializeToString()
    assert post(endpoint, signer.headers("Encrypt", body), body)[0] == 200


def test_an_answer_header_reaches_the_client(endpoint: str, signer: Signer, key_id: str) -> None:
    body = pb.EncryptRequest(KeyId=key_id, Plaintext=b"p").SerializeToString()
    host, port = endpoint.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        headers = {k: v for k, v in signer.headers("Encrypt", body).items() if k != "host"}
        conn.request("POST", "/", body=body, headers=headers)
        answer = conn.getresponse()
        answer.read()
        assert answer.status == 200
        assert answer.getheader(MIGRATION, "").startswith(key_id + "-")
    finally:
        conn.close()


# -- secrets stay out of logs ---------------------------------------------------------------------
def test_no_secret_reaches_the_log(
    gateway: GatewayProtocol, signer: Signer, issued: IssuedClientKey, key_id: str,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    request = signer.request("Encrypt", pb.EncryptRequest(KeyId=key_id, Plaintext=b"PLAINTEXT!"))
    _, enc = call(gateway, request, pb.EncryptResponse)
    gateway.handle(tampered(request, body=request.body + b"\x22\x01x"))
    gen_request = signer.request(
        "GenerateDataKey", pb.GenerateDataKeyRequest(KeyId=key_id, NumberOfBytes=32)
    )
    _, gen = call(gateway, gen_request, pb.GenerateDataKeyResponse)
    logged = caplog.text
    assert "Encrypt" in logged  # it does log, just nothing secret
    signature = request.headers["authorization"].removeprefix("Bearer ")
    for secret in (
        signature, signature[:40], "PLAINTEXT!", issued.password, enc.CiphertextBlob.hex(),
        gen.Plaintext.hex(), base64.b64encode(gen.Plaintext).decode(),
    ):  # fmt: skip
        assert secret not in logged
    assert issued.password not in repr(issued)


# -- the transfer SDK's low-version Decrypt (dialects.md 2.7) ------------------------------------
def test_a_decrypt_opens_with_the_version_its_migration_header_names(
    gateway: GatewayProtocol, signer: Signer, cloud: FakeCloud, key_id: str
) -> None:
    classic = cloud.service(Dialect.ALIBABA_CLASSIC)
    context = {"tenant": "42"}
    plain = base64.b64encode(b"classic").decode()
    sealed = classic.call(
        "Encrypt", {"KeyId": key_id, "Plaintext": plain, "EncryptionContext": context}
    )
    blob = base64.b64decode(sealed["CiphertextBlob"])
    version, iv, body = blob[:36].decode(), blob[36:48], blob[48:]
    initial, primary = versions(gateway.service, key_id)
    assert version == primary  # classic seals under the primary: not what Decrypt uses
    message = pb.DecryptRequest(CiphertextBlob=body, Iv=iv, Aad=json.dumps(context).encode())
    request = signer.request("Decrypt", message, x_kms_migrationkeyversionid=version)
    response, dec = call(gateway, request, pb.DecryptResponse)  # no KeyId: the header names it
    assert (dec.Plaintext, dec.KeyId) == (plain.encode(), key_id)
    assert dict(response.headers)[MIGRATION] == version  # the version it opened with
    rejected(gateway.handle(signer.request("Decrypt", message)), "InvalidParameter", 400)
    # other requests ignore it (the SDK sends it on Decrypt only)
    encrypt = pb.EncryptRequest(KeyId=key_id, Plaintext=b"x")
    request = signer.request("Encrypt", encrypt, x_kms_migrationkeyversionid=version)
    response, _ = call(gateway, request, pb.EncryptResponse)
    assert dict(response.headers)[MIGRATION] == initial
