"""The instance adapter is byte-compatible with the official ``alibabacloud-dkms-gcs`` SDK.

``adapters/unikms_adapters/alibaba_instance.py`` speaks the gateway protocol
(``dkms-gcs-0.2``) itself, because the SDK cannot live in the project's
environment. These tests run the SDK, unmodified, in its own cached virtualenv
(:mod:`tests.gateway_sdk.venv`) through ``tests/gateway_sdk/compat.py``, and
prove that:

1. *requests*: the SDK's exact HTTP request, captured by a small server on
   127.0.0.1, is the one the adapter builds for the same parameters (``encode``,
   then ``sign`` with the SDK's own ``date``): the same body bytes, the same
   ``x-kms-*``, ``content-type``, ``content-sha256``, ``accept`` and ``host``
   headers, and the same ``authorization`` (RSA PKCS#1 v1.5 is deterministic),
   both verifying under the client key's public key; and the adapter's own
   transport sends what ``sign`` returns;
2. *responses*: the same response bytes (made by the emulator's gateway, or
   encoded here with every field set, empty, with an unknown field, or as an
   ``Error`` at 4xx/5xx) parse to the same field values in the SDK and in the
   adapter's ``decode``, and errors surface with the same code, message, HTTP
   status and request id;
3. *end to end*: against one running emulator, each decrypts what the other
   encrypted (Encrypt/Decrypt with Iv and Algorithm, AdvanceEncrypt/
   AdvanceDecrypt, data keys), with Aad.

The only header that differs by design is ``user-agent``; ``content-length``,
``accept-encoding`` and ``connection`` are added by each side's HTTP transport.
When the SDK's venv cannot be built the tests FAIL with pip's output; leave
them out explicitly with ``-m "not sdk_venv"``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from unikms_adapters.alibaba_instance import AlibabaInstanceKmsDriver, ClientKey

from tests.gateway_sdk import venv as gateway_venv
from tests.gateway_sdk.compat import from_json, to_json
from unikms.dialects.alibaba.dkms.wire import CONTENT_TYPE, MESSAGES, pb, string_to_sign
from unikms.emulator import Emulator
from unikms.native import NativeError
from unikms.types import Dialect

pytestmark = pytest.mark.sdk_venv

COMPAT = Path(__file__).parent / "gateway_sdk" / "compat.py"
_PROXY_VARS = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")
#: added by the HTTP transports, not by the SDK's or the adapter's request building
TRANSPORT_HEADERS = {"accept-encoding", "connection", "content-length"}
#: differs by design: the adapter names itself
OWN_HEADERS = {"user-agent"}


def ensure_venv() -> Path:
    try:
        return gateway_venv.ensure()
    except gateway_venv.VenvBuildError as err:
        pytest.fail(str(err), pytrace=False)


def run_sdk(venv: Path, endpoint: str, key: ClientKeyFile, calls: list[Call]) -> list[Any]:
    """Each call made once, in order, by the official SDK; what it returned or raised."""
    cfg = {
        "endpoint": endpoint,
        "client_key_file": str(key.path),
        "password": key.password,
        "calls": [{"op": op, "params": to_json(dict(params))} for op, params in calls],
    }
    env = {k: v for k, v in os.environ.items() if k not in _PROXY_VARS}
    env.pop("PYTHONPATH", None)
    env["PYTHONNOUSERSITE"] = "1"
    done = subprocess.run(
        [str(gateway_venv.python(venv)), str(COMPAT)],
        input=json.dumps(cfg),
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"compat driver failed:\n{done.stderr[-5000:]}"
    results: list[Any] = json.loads(done.stdout)
    assert len(results) == len(calls)
    return results


Call = tuple[str, Mapping[str, Any]]


@dataclass(frozen=True)
class ClientKeyFile:
    path: Path
    password: str


# -- a capture server ---------------------------------------------------------------------
@dataclass
class Captured:
    """One HTTP request exactly as it arrived."""

    request_line: str
    raw_headers: list[tuple[str, str]]
    body: bytes

    @property
    def headers(self) -> dict[str, str]:
        """Header names lower-cased (each must be sent once)."""
        names = [name.lower() for name, _ in self.raw_headers]
        assert len(names) == len(set(names)), f"a header sent twice: {names}"
        return {name.lower(): value for name, value in self.raw_headers}


def valid_answer(api: str, request: bytes = b"") -> bytes:
    """A response message the SDK (and the adapter's answer checks) accept for ``api``:
    the request's key id (an alias resolves to KEY_ID), a blob, an IV and a plaintext of
    the data key size asked for."""
    request_cls, response_cls = MESSAGES[api]
    asked = str(getattr(request_cls.FromString(request), "KeyId", "") or KEY_ID)
    fields = {f.name for f in response_cls.DESCRIPTOR.fields}
    values: dict[str, Any] = {"RequestId": "req-capture"}
    size = getattr(request_cls.FromString(request), "NumberOfBytes", 0) or 32
    given = {
        "KeyId": KEY_ID if asked.startswith("alias/") else asked,
        "CiphertextBlob": b"c",
        "Plaintext": b"k" * size,
        "Iv": bytes(12),
        "Random": b"r" * (getattr(request_cls.FromString(request), "Length", 0) or 32),
        "Signature": b"s",
        "PublicKey": "-----BEGIN PUBLIC KEY-----",
    }
    values.update({k: v for k, v in given.items() if k in fields})
    return bytes(response_cls(**values).SerializeToString())


@dataclass
class CaptureServer:
    """Records every request; answers each with the next queued ``(status, body)``.

    With nothing queued, it answers 200 with a valid response message for the
    request's ``x-kms-apiname``.
    """

    requests: list[Captured] = field(default_factory=list)
    answers: list[tuple[int, bytes]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, captured: Captured) -> tuple[int, bytes]:
        with self._lock:
            self.requests.append(captured)
            if self.answers:
                return self.answers.pop(0)
        return 200, valid_answer(captured.headers.get("x-kms-apiname", "Encrypt"), captured.body)

    def take(self) -> list[Captured]:
        with self._lock:
            taken, self.requests = self.requests, []
        return taken


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    capture: CaptureServer  # set on the subclass made per server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        status, answer = self.capture.record(
            Captured(self.requestline, list(self.headers.items()), body)
        )
        self.send_response(status)
        self.send_header("content-type", CONTENT_TYPE)
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def capture() -> Iterator[tuple[CaptureServer, str]]:
    """A capture server on a free 127.0.0.1 port, and its ``host:port``."""
    server_state = CaptureServer()
    handler = type("Handler", (_Handler,), {"capture": server_state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True, name="capture")
    thread.start()
    try:
        yield server_state, f"127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


# -- shared fixtures ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def sdk_venv() -> Path:
    return ensure_venv()


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


@pytest.fixture(scope="module")
def client_key(emulator: Emulator) -> ClientKeyFile:
    issued = emulator.client_key
    assert issued is not None
    return ClientKeyFile(Path(issued.path), issued.password)


def adapter(endpoint: str, key: ClientKeyFile) -> AlibabaInstanceKmsDriver:
    return AlibabaInstanceKmsDriver(
        f"http://{endpoint}", ClientKey.from_file(key.path, key.password)
    )


def verifies(key: ClientKeyFile, headers: Mapping[str, str]) -> bool:
    """The ``authorization`` signature verifies under the client key's public key."""
    public = ClientKey.from_file(key.path, key.password).private_key.public_key()
    scheme, _, signature = headers["authorization"].partition(" ")
    assert scheme == "Bearer"
    to_sign = string_to_sign(headers, headers["content-sha256"])
    try:
        public.verify(
            base64.b64decode(signature, validate=True),
            to_sign.encode("utf-8"),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except Exception:
        return False
    return True


# == 1. requests ==========================================================================
KEY_ID = "key-hzz62f1cb66fy1ht5ywz1"
ALL_BYTES = bytes(range(256))
BLOB = bytes(range(255, -1, -1)) * 2
GCM_IV = bytes(range(12))
CBC_IV = bytes(range(16, 32))

REQUEST_CASES: dict[str, Call] = {
    "encrypt_minimal": ("Encrypt", {"KeyId": KEY_ID, "Plaintext": b"hello gateway"}),
    "encrypt_gcm_aad_iv": (
        "Encrypt",
        {
            "KeyId": KEY_ID,
            "Plaintext": ALL_BYTES,
            "Algorithm": "AES_GCM",
            "Aad": b"tenant=42",
            "Iv": GCM_IV,
        },
    ),
    "encrypt_cbc_pkcs7_by_alias": (
        "Encrypt",
        {
            "KeyId": "alias/compat-ключ",
            "Plaintext": b"cbc with padding",
            "Algorithm": "AES_CBC",
            "PaddingMode": "PKCS7_PADDING",
            "Iv": CBC_IV,
            "Aad": ALL_BYTES,
        },
    ),
    "encrypt_cbc_no_padding": (
        "Encrypt",
        {
            "KeyId": KEY_ID,
            "Plaintext": bytes(32),
            "Algorithm": "AES_CBC",
            "PaddingMode": "NO_PADDING",
        },
    ),
    "encrypt_empty_aad": ("Encrypt", {"KeyId": KEY_ID, "Plaintext": b"x", "Aad": b""}),
    "encrypt_256k": ("Encrypt", {"KeyId": KEY_ID, "Plaintext": b"\xa5" * (256 * 1024)}),
    "decrypt_gcm": (
        "Decrypt",
        {
            "CiphertextBlob": BLOB,
            "KeyId": KEY_ID,
            "Algorithm": "AES_GCM",
            "Iv": GCM_IV,
            "Aad": b"tenant=42",
        },
    ),
    "decrypt_cbc": (
        "Decrypt",
        {
            "CiphertextBlob": BLOB,
            "KeyId": KEY_ID,
            "Algorithm": "AES_CBC",
            "Iv": CBC_IV,
            "PaddingMode": "PKCS7_PADDING",
        },
    ),
    "generate_data_key_default": ("GenerateDataKey", {"KeyId": KEY_ID}),
    "generate_data_key_16_aad": (
        "GenerateDataKey",
        {"KeyId": KEY_ID, "Algorithm": "AES_GCM", "NumberOfBytes": 16, "Aad": b"dk"},
    ),
    "generate_data_key_1024": ("GenerateDataKey", {"KeyId": KEY_ID, "NumberOfBytes": 1024}),
    "generate_data_key_zero": ("GenerateDataKey", {"KeyId": KEY_ID, "NumberOfBytes": 0}),
    "advance_encrypt_default": ("AdvanceEncrypt", {"KeyId": KEY_ID, "Plaintext": b"advance"}),
    "advance_encrypt_cbc": (
        "AdvanceEncrypt",
        {
            "KeyId": KEY_ID,
            "Plaintext": ALL_BYTES,
            "Algorithm": "AES_CBC",
            "PaddingMode": "PKCS7_PADDING",
            "Aad": b"ctx",
            "Iv": CBC_IV,
        },
    ),
    "advance_decrypt_blob": ("AdvanceDecrypt", {"CiphertextBlob": BLOB}),
    "advance_decrypt_blob_aad": ("AdvanceDecrypt", {"CiphertextBlob": BLOB, "Aad": b"ctx"}),
    "advance_decrypt_every_field": (
        "AdvanceDecrypt",
        {
            "CiphertextBlob": BLOB,
            "KeyId": KEY_ID,
            "Algorithm": "AES_CBC",
            "Aad": b"ctx",
            "Iv": CBC_IV,
            "PaddingMode": "NO_PADDING",
        },
    ),
    "advance_generate_data_key_default": ("AdvanceGenerateDataKey", {"KeyId": KEY_ID}),
    "advance_generate_data_key_64_aad": (
        "AdvanceGenerateDataKey",
        {"KeyId": KEY_ID, "NumberOfBytes": 64, "Aad": b"adk"},
    ),
    "generate_random_32": ("GenerateRandom", {"Length": 32}),
    "sign_raw": ("Sign", {"KeyId": KEY_ID, "Algorithm": "ECDSA_SHA_256", "Message": b"m"}),
    "sign_digest": (
        "Sign",
        {
            "KeyId": KEY_ID,
            "Algorithm": "RSA_PSS_SHA_256",
            "Message": bytes(range(32)),
            "MessageType": "DIGEST",
        },
    ),
    "verify_raw": (
        "Verify",
        {
            "KeyId": KEY_ID,
            "Algorithm": "SM2DSA",
            "Message": b"m",
            "MessageType": "RAW",
            "Signature": ALL_BYTES[:72],
        },
    ),
    "get_public_key": ("GetPublicKey", {"KeyId": KEY_ID}),
}


def test_every_operation_has_request_cases() -> None:
    assert {op for op, _ in REQUEST_CASES.values()} == set(MESSAGES)


@pytest.fixture(scope="module")
def sdk_requests(
    sdk_venv: Path, capture: tuple[CaptureServer, str], client_key: ClientKeyFile
) -> dict[str, tuple[Captured, dict[str, Any]]]:
    """The SDK's request for each case, as captured, and what the SDK returned."""
    server, endpoint = capture
    server.take()
    names = list(REQUEST_CASES)
    results = run_sdk(sdk_venv, endpoint, client_key, [REQUEST_CASES[n] for n in names])
    captured = server.take()
    assert len(captured) == len(names), "the SDK made more or fewer requests than calls"
    return dict(zip(names, zip(captured, results, strict=True), strict=True))


@pytest.mark.parametrize("case", list(REQUEST_CASES))
def test_the_adapter_builds_the_sdks_exact_request(
    sdk_requests: dict[str, tuple[Captured, dict[str, Any]]],
    capture: tuple[CaptureServer, str],
    client_key: ClientKeyFile,
    case: str,
) -> None:
    op, params = REQUEST_CASES[case]
    sent, result = sdk_requests[case]
    assert result["ok"], result
    assert sent.request_line == "POST / HTTP/1.1"
    theirs = sent.headers
    assert theirs["x-kms-apiname"] == op

    ours_driver = adapter(capture[1], client_key)
    body = ours_driver.encode(op, params)
    ours = ours_driver.sign(op, body, date=theirs["date"])

    assert body.hex() == sent.body.hex()
    assert theirs["content-length"] == str(len(body))
    # x-kms-*, content-type, content-sha256, date, accept, host: all identical
    signed_or_shaped = {n for n in theirs if n not in TRANSPORT_HEADERS | OWN_HEADERS}
    assert signed_or_shaped == set(ours) - OWN_HEADERS
    for name in sorted(signed_or_shaped - {"authorization"}):
        assert ours[name] == theirs[name], name
    assert {n for n in theirs if n.startswith("x-kms-")} == {
        "x-kms-apiname",
        "x-kms-apiversion",
        "x-kms-signaturemethod",
        "x-kms-acccesskeyid",
    }
    assert theirs["content-sha256"] == hashlib.sha256(sent.body).hexdigest().upper()
    # the same string to sign under the same key: the same PKCS#1 v1.5 signature
    assert ours["authorization"] == theirs["authorization"]
    assert verifies(client_key, theirs)
    assert verifies(client_key, ours)


@pytest.mark.parametrize("case", list(REQUEST_CASES))
def test_the_adapters_transport_sends_what_sign_returns(
    capture: tuple[CaptureServer, str], client_key: ClientKeyFile, case: str
) -> None:
    """The adapter's real request (its own date) has the SDK's shape and verifies."""
    server, endpoint = capture
    op, params = REQUEST_CASES[case]
    server.take()
    driver = adapter(endpoint, client_key)
    try:
        driver.call(op, dict(params))
    finally:
        driver.close()
    (sent,) = server.take()
    assert sent.request_line == "POST / HTTP/1.1"
    assert sent.body == driver.encode(op, params)
    headers = sent.headers
    assert headers == {
        **driver.sign(op, sent.body, date=headers["date"]),
        **{n: v for n, v in headers.items() if n in TRANSPORT_HEADERS},
    }
    assert verifies(client_key, headers)


# == 2. responses =========================================================================
def full_message(api: str) -> bytes:
    """``api``'s response with every field set to a value of its own (UTF-8, every byte)."""
    _, response_cls = MESSAGES[api]
    values: dict[str, Any] = {}
    for number, f in enumerate(response_cls.DESCRIPTOR.fields, start=1):
        if f.type == f.TYPE_BYTES:
            values[f.name] = ALL_BYTES + f.name.encode() + bytes([number])
        elif f.type == f.TYPE_STRING:
            values[f.name] = f"{f.name}-värde-{number}"
        else:
            values[f.name] = number
    return bytes(response_cls(**values).SerializeToString())


def error_body(status: int, code: str, message: str, request_id: str = "req-err") -> bytes:
    return bytes(
        pb.Error(
            StatusCode=status, ErrorCode=code, ErrorMessage=message, RequestId=request_id
        ).SerializeToString()
    )


#: a field the schema does not know (number 99, varint 1): both parsers skip it
UNKNOWN_FIELD = bytes([0x98, 0x06, 0x01])
#: request parameters for the response cases (the capture server ignores them)
MINIMAL: dict[str, dict[str, Any]] = {
    "Encrypt": {"KeyId": KEY_ID, "Plaintext": b"p"},
    "Decrypt": {"CiphertextBlob": BLOB, "KeyId": KEY_ID},
    "GenerateDataKey": {"KeyId": KEY_ID},
    "AdvanceEncrypt": {"KeyId": KEY_ID, "Plaintext": b"p"},
    "AdvanceDecrypt": {"CiphertextBlob": BLOB},
    "AdvanceGenerateDataKey": {"KeyId": KEY_ID},
    "GenerateRandom": {"Length": 8},
    "Sign": {"KeyId": KEY_ID, "Algorithm": "ECDSA_SHA_256", "Message": b"m"},
    "Verify": {"KeyId": KEY_ID, "Algorithm": "ECDSA_SHA_256", "Message": b"m", "Signature": b"s"},
    "GetPublicKey": {"KeyId": KEY_ID},
}


def post(
    endpoint: str, key: ClientKeyFile, op: str, params: Mapping[str, Any]
) -> tuple[int, bytes]:
    """The gateway's raw answer to a request the adapter encodes and signs."""
    driver = adapter(endpoint, key)
    body = driver.encode(op, params)
    request = urllib.request.Request(
        f"http://{endpoint}/", data=body, headers=driver.sign(op, body), method="POST"
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as answer:
            return int(answer.status), bytes(answer.read())
    except urllib.error.HTTPError as err:
        return int(err.code), bytes(err.read())


@pytest.fixture(scope="module")
def response_cases(
    emulator: Emulator, client_key: ClientKeyFile
) -> dict[str, tuple[str, int, bytes]]:
    """``name -> (op, status, body)``: the emulator's answers, then hand-made ones."""
    service = emulator.cloud.service(Dialect.ALIBABA_INSTANCE)
    key_id = service.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    hsm = service.call("CreateKey", {"ProtectionLevel": "HSM"})["KeyMetadata"]["KeyId"]  # CBC
    disabled = service.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    service.call("DisableKey", {"KeyId": disabled})
    ep = emulator.endpoint

    def ok(op: str, params: Mapping[str, Any]) -> tuple[str, int, bytes]:
        status, body = post(ep, client_key, op, params)
        assert status == 200, (op, status, pb.Error.FromString(body))
        return op, status, body

    def err(op: str, params: Mapping[str, Any], expected: int) -> tuple[str, int, bytes]:
        status, body = post(ep, client_key, op, params)
        assert status == expected, (op, status, body)
        return op, status, body

    cases: dict[str, tuple[str, int, bytes]] = {}
    cases["emulator_encrypt_cbc"] = enc = ok(
        "Encrypt",
        {
            "KeyId": hsm,
            "Plaintext": ALL_BYTES,
            "Algorithm": "AES_CBC",
            "PaddingMode": "PKCS7_PADDING",
        },
    )
    e = pb.EncryptResponse.FromString(enc[2])
    cases["emulator_decrypt_cbc"] = ok(
        "Decrypt",
        {
            "CiphertextBlob": e.CiphertextBlob,
            "KeyId": hsm,
            "Algorithm": e.Algorithm,
            "Iv": e.Iv,
            "PaddingMode": e.PaddingMode,
        },
    )
    cases["emulator_generate_random"] = ok("GenerateRandom", {"Length": 24})
    cases["emulator_generate_data_key"] = ok(
        "GenerateDataKey", {"KeyId": key_id, "NumberOfBytes": 16, "Aad": b"dk"}
    )
    cases["emulator_advance_encrypt"] = adv = ok(
        "AdvanceEncrypt", {"KeyId": key_id, "Plaintext": b"advance", "Aad": b"ctx"}
    )
    blob = pb.AdvanceEncryptResponse.FromString(adv[2]).CiphertextBlob
    cases["emulator_advance_decrypt"] = ok(
        "AdvanceDecrypt", {"CiphertextBlob": blob, "Aad": b"ctx"}
    )
    cases["emulator_advance_generate_data_key"] = ok(
        "AdvanceGenerateDataKey", {"KeyId": key_id, "NumberOfBytes": 64}
    )
    signing = {"KeySpec": "EC_P256", "KeyUsage": "SIGN/VERIFY"}
    signer = service.call("CreateKey", signing)["KeyMetadata"]["KeyId"]
    cases["emulator_sign"] = sig = ok(
        "Sign", {"KeyId": signer, "Algorithm": "ECDSA_SHA_256", "Message": b"m"}
    )
    signature = pb.SignResponse.FromString(sig[2]).Signature
    verify = {"KeyId": signer, "Algorithm": "ECDSA_SHA_256", "Message": b"m"}
    cases["emulator_verify"] = ok("Verify", {**verify, "Signature": signature})
    cases["emulator_verify_false"] = ok("Verify", {**verify, "Signature": b"junk"})
    cases["emulator_get_public_key"] = ok("GetPublicKey", {"KeyId": signer})
    cases["emulator_unknown_key_404"] = err(
        "Encrypt", {"KeyId": "key-hzz" + "0" * 18, "Plaintext": b"x"}, 404
    )
    cases["emulator_disabled_key_409"] = err("Encrypt", {"KeyId": disabled, "Plaintext": b"x"}, 409)
    cases["emulator_bad_padding_400"] = err(
        "Encrypt",
        {"KeyId": hsm, "Plaintext": b"odd", "Algorithm": "AES_CBC", "PaddingMode": "NONE"},
        400,
    )
    cases["emulator_wrong_aad_500"] = err(
        "AdvanceDecrypt", {"CiphertextBlob": blob, "Aad": b"wrong"}, 500
    )
    for op in MESSAGES:
        cases[f"full_{op}"] = (op, 200, full_message(op))
        cases[f"empty_{op}"] = (op, 200, b"")
    cases["unknown_field_Encrypt"] = ("Encrypt", 200, full_message("Encrypt") + UNKNOWN_FIELD)
    cases["unknown_field_AdvanceDecrypt"] = (
        "AdvanceDecrypt",
        200,
        UNKNOWN_FIELD + full_message("AdvanceDecrypt"),
    )
    cases["error_404"] = (
        "Encrypt",
        404,
        error_body(404, "Forbidden.KeyNotFound", "The specified Key is not found.", "req-404"),
    )
    cases["error_409"] = (
        "AdvanceDecrypt",
        409,
        error_body(409, "Rejected.Disabled", "The key is disabled: ünïcode", "req-409"),
    )
    cases["error_400_status_in_body_ignored"] = (
        "GenerateDataKey",
        400,
        error_body(200, "InvalidParameter", "NumberOfBytes out of range"),
    )
    cases["error_401"] = ("Decrypt", 401, error_body(401, "SignatureNotMatch", "bad signature"))
    cases["error_413"] = ("AdvanceEncrypt", 413, error_body(413, "None.", "too large"))
    cases["error_500"] = ("AdvanceGenerateDataKey", 500, error_body(500, "InternalFailure", "x"))
    cases["error_503_no_request_id"] = (
        "Encrypt",
        503,
        error_body(503, "ServiceUnavailable", "try later", ""),
    )
    cases["error_429_throttling"] = (
        "Encrypt",
        429,
        error_body(429, "Rejected.Throttling", "slow down", "req-429"),
    )
    return cases


@pytest.fixture(scope="module")
def sdk_responses(
    sdk_venv: Path,
    capture: tuple[CaptureServer, str],
    client_key: ClientKeyFile,
    response_cases: dict[str, tuple[str, int, bytes]],
) -> dict[str, dict[str, Any]]:
    """What the SDK made of each case's answer (served by the capture server)."""
    server, endpoint = capture
    names = list(response_cases)
    server.take()
    server.answers.extend((status, body) for _, status, body in response_cases.values())
    results = run_sdk(
        sdk_venv,
        endpoint,
        client_key,
        [(response_cases[n][0], MINIMAL[response_cases[n][0]]) for n in names],
    )
    assert not server.answers, "the SDK made fewer requests than calls"
    assert len(server.take()) == len(names), "the SDK retried"
    return dict(zip(names, results, strict=True))


def test_every_operation_has_response_cases(
    response_cases: dict[str, tuple[str, int, bytes]],
) -> None:
    for op in MESSAGES:
        assert {n for n, (o, s, _) in response_cases.items() if o == op and s == 200} >= {
            f"full_{op}",
            f"empty_{op}",
        }
        assert any(n.startswith("emulator_") and o == op for n, (o, _, _) in response_cases.items())
    statuses = {s for _, s, _ in response_cases.values()}
    assert {404, 409} <= statuses


def _response_case_names() -> list[str]:
    ops = list(MESSAGES)
    return [
        "emulator_encrypt_cbc",
        "emulator_decrypt_cbc",
        "emulator_generate_data_key",
        "emulator_advance_encrypt",
        "emulator_advance_decrypt",
        "emulator_advance_generate_data_key",
        *(f"full_{op}" for op in ops),
        *(f"empty_{op}" for op in ops),
        "unknown_field_Encrypt",
        "unknown_field_AdvanceDecrypt",
    ]


ERROR_CASES = [
    "emulator_unknown_key_404",
    "emulator_disabled_key_409",
    "emulator_bad_padding_400",
    "emulator_wrong_aad_500",
    "error_404",
    "error_409",
    "error_400_status_in_body_ignored",
    "error_401",
    "error_413",
    "error_500",
    "error_503_no_request_id",
    "error_429_throttling",
]


@pytest.mark.parametrize("case", _response_case_names())
def test_both_parse_a_response_to_the_same_fields(
    sdk_responses: dict[str, dict[str, Any]],
    response_cases: dict[str, tuple[str, int, bytes]],
    capture: tuple[CaptureServer, str],
    client_key: ClientKeyFile,
    case: str,
) -> None:
    op, status, body = response_cases[case]
    theirs = sdk_responses[case]
    assert theirs["ok"], theirs
    ours = adapter(capture[1], client_key).decode(op, status, body)
    # every field, bytes compared as hex; the same field names on both sides
    assert to_json(dict(ours)) == theirs["fields"]
    assert set(ours) == {f.name for f in MESSAGES[op][1].DESCRIPTOR.fields}
    if case.startswith("full_"):
        assert all(v not in ("", b"", 0) for v in ours.values())
    if case.startswith("empty_"):
        assert all(v in ("", b"", 0) for v in ours.values())
    assert from_json(theirs["fields"]) == dict(ours)


@pytest.mark.parametrize("case", ERROR_CASES)
def test_both_surface_an_error_the_same_way(
    sdk_responses: dict[str, dict[str, Any]],
    response_cases: dict[str, tuple[str, int, bytes]],
    capture: tuple[CaptureServer, str],
    client_key: ClientKeyFile,
    case: str,
) -> None:
    op, status, body = response_cases[case]
    theirs = sdk_responses[case]
    assert not theirs["ok"], theirs
    error = theirs["error"]
    expected_type = "UnretryableException" if "throttling" in case else "TeaException"
    assert (error["module"], error["type"]) == ("Tea.exceptions", expected_type)
    with pytest.raises(NativeError) as raised:
        adapter(capture[1], client_key).decode(op, status, body)
    ours = raised.value
    assert ours.code == error["code"]
    assert ours.message == error["message"]
    assert ours.http_status == error["data"]["httpCode"] == status
    assert (ours.request_id or "") == error["data"]["requestId"]
    assert ours.code  # never empty: every case carries an ErrorCode


# == 3. end to end ========================================================================
PLAINTEXTS = {
    "gcm": b"GCM with own Iv and Aad",
    "cbc": b"CBC, PKCS#7, own Iv (Aad is for GCM only)",
    "advance": b"advance with Aad",
    "ecb": ALL_BYTES,
}
AAD = b"tenant=42;purpose=compat"


def encrypt_calls(key_id: str, hsm_key_id: str) -> list[Call]:
    """Encrypt (with Iv and Algorithm; CBC and ECB with a hardware key), AdvanceEncrypt,
    data keys; with Aad where GCM."""
    return [
        (
            "Encrypt",
            {
                "KeyId": key_id,
                "Plaintext": PLAINTEXTS["gcm"],
                "Algorithm": "AES_GCM",
                "Iv": GCM_IV,
                "Aad": AAD,
            },
        ),
        (
            "Encrypt",
            {
                "KeyId": hsm_key_id,
                "Plaintext": PLAINTEXTS["cbc"],
                "Algorithm": "AES_CBC",
                "PaddingMode": "PKCS7_PADDING",
                "Iv": CBC_IV,
            },
        ),
        ("AdvanceEncrypt", {"KeyId": key_id, "Plaintext": PLAINTEXTS["advance"], "Aad": AAD}),
        (
            "Encrypt",
            {
                "KeyId": hsm_key_id,
                "Plaintext": PLAINTEXTS["ecb"],
                "Algorithm": "AES_ECB",
                "PaddingMode": "PKCS7_PADDING",
            },
        ),
        ("GenerateDataKey", {"KeyId": key_id, "NumberOfBytes": 32, "Aad": AAD}),
        ("AdvanceGenerateDataKey", {"KeyId": key_id, "NumberOfBytes": 16, "Aad": AAD}),
    ]


def decrypt_call(call: Call, out: Mapping[str, Any]) -> Call:
    """The call that opens what ``call`` returned (``out``, in wire field names)."""
    op, params = call
    key_id = params["KeyId"]
    aad = {"Aad": params["Aad"]} if "Aad" in params else {}
    if op.startswith("Advance"):
        return "AdvanceDecrypt", {"CiphertextBlob": out["CiphertextBlob"], **aad}
    return (
        "Decrypt",
        {
            "CiphertextBlob": out["CiphertextBlob"],
            "KeyId": key_id,
            "Algorithm": out["Algorithm"],
            "Iv": out["Iv"],
            "PaddingMode": out.get("PaddingMode", ""),
            **aad,
        },
    )


def expected_plaintexts(calls: list[Call], outs: list[Mapping[str, Any]]) -> list[bytes]:
    return [
        bytes(params["Plaintext"]) if "Plaintext" in params else bytes(out["Plaintext"])
        for (_, params), out in zip(calls, outs, strict=True)
    ]


@pytest.fixture(scope="module")
def round_trips(sdk_venv: Path, emulator: Emulator, client_key: ClientKeyFile) -> dict[str, Any]:
    """Ours encrypts, the SDK decrypts and encrypts, ours decrypts; one emulator."""
    service = emulator.cloud.service(Dialect.ALIBABA_INSTANCE)
    key_id = service.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    hsm_key_id = service.call("CreateKey", {"ProtectionLevel": "HSM"})["KeyMetadata"]["KeyId"]
    ours = adapter(emulator.endpoint, client_key)
    calls = encrypt_calls(key_id, hsm_key_id)
    try:
        our_outs = [ours.call(op, dict(params)) for op, params in calls]
        sdk_calls = [
            decrypt_call(call, out) for call, out in zip(calls, our_outs, strict=True)
        ] + calls
        sdk_results = run_sdk(sdk_venv, emulator.endpoint, client_key, sdk_calls)
        for result in sdk_results:
            assert result["ok"], result
        sdk_fields = [from_json(r["fields"]) for r in sdk_results]
        sdk_decrypted, sdk_outs = sdk_fields[: len(calls)], sdk_fields[len(calls) :]
        our_decrypted = [
            ours.call(*decrypt_call(call, out)) for call, out in zip(calls, sdk_outs, strict=True)
        ]
    finally:
        ours.close()
    return {
        "key_id": key_id,
        "calls": calls,
        "our_outs": our_outs,
        "sdk_outs": sdk_outs,
        "sdk_decrypted": sdk_decrypted,
        "our_decrypted": our_decrypted,
    }


def test_the_sdk_decrypts_what_the_adapter_encrypted(round_trips: dict[str, Any]) -> None:
    expected = expected_plaintexts(round_trips["calls"], round_trips["our_outs"])
    got = [d["Plaintext"] for d in round_trips["sdk_decrypted"]]
    assert [g.hex() for g in got] == [e.hex() for e in expected]
    keys = [params["KeyId"] for _, params in round_trips["calls"]]
    assert [d["KeyId"] for d in round_trips["sdk_decrypted"]] == keys


def test_the_adapter_decrypts_what_the_sdk_encrypted(round_trips: dict[str, Any]) -> None:
    expected = expected_plaintexts(round_trips["calls"], round_trips["sdk_outs"])
    got = [bytes(d["Plaintext"]) for d in round_trips["our_decrypted"]]
    assert [g.hex() for g in got] == [e.hex() for e in expected]
    keys = [params["KeyId"] for _, params in round_trips["calls"]]
    assert [d["KeyId"] for d in round_trips["our_decrypted"]] == keys


def test_both_keep_the_callers_iv_and_algorithm(round_trips: dict[str, Any]) -> None:
    for outs in (round_trips["our_outs"], round_trips["sdk_outs"]):
        gcm, cbc = outs[0], outs[1]
        assert (gcm["Algorithm"], bytes(gcm["Iv"])) == ("AES_GCM", GCM_IV)
        assert (cbc["Algorithm"], cbc["PaddingMode"], bytes(cbc["Iv"])) == (
            "AES_CBC",
            "PKCS7_PADDING",
            CBC_IV,
        )
