"""Tencent requests that are malformed get the parameter error, never ``InternalError``.

Signed TC3 requests straight to :class:`TencentProtocol` (no server): the body
is what is hostile, the signature is valid.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from datetime import datetime, timezone

import pytest

from tests.test_emulator_server import tc3_signature
from unikms.dialects.tencent.package import DEFAULT_SECRET_ID as DEFAULT_TENCENT_SECRET_ID
from unikms.dialects.tencent.wire import TencentProtocol
from unikms.emulator.credentials import EmulatorCredentials
from unikms.emulator.wire import Request
from unikms.fake import FakeCloud
from unikms.types import Dialect

HOST = "127.0.0.1:9"


def tc3(
    action: str,
    body: bytes,
    *,
    signed: tuple[str, ...] = ("content-type", "host"),
    headers: dict[str, str] | None = None,
    stamp: int | None = None,
) -> Request:
    """A TC3-HMAC-SHA256 request as the SDK signs it (``signed``: the SignedHeaders)."""
    stamp = stamp or int(time.time())
    sent = {
        "content-type": "application/json",
        "host": HOST,
        "x-tc-action": action,
        "x-tc-version": "2019-01-18",
        "x-tc-timestamp": str(stamp),
        **(headers or {}),
    }
    date = datetime.fromtimestamp(stamp, tz=timezone.utc).strftime("%Y-%m-%d")
    canonical_headers = "".join(f"{h}:{sent[h].strip().lower()}\n" for h in signed)
    names = ";".join(signed)
    canonical = f"POST\n/\n\n{canonical_headers}\n{names}\n{hashlib.sha256(body).hexdigest()}"
    scope = f"{date}/kms/tc3_request"
    signature = tc3_signature(stamp, canonical)
    sent["authorization"] = (
        f"TC3-HMAC-SHA256 Credential={DEFAULT_TENCENT_SECRET_ID}/{scope}, "
        f"SignedHeaders={names}, Signature={signature}"
    )
    return Request("POST", "/", b"", sent, body)


@pytest.fixture
def tencent() -> TencentProtocol:
    return TencentProtocol(FakeCloud().service(Dialect.TENCENT), EmulatorCredentials())


def answer(protocol: TencentProtocol, request: Request) -> dict[str, object]:
    response = protocol.handle(request)
    assert response.status == 200
    doc: dict[str, object] = json.loads(response.body)["Response"]
    return doc


def error_code(protocol: TencentProtocol, request: Request) -> str | None:
    """The answer's error code; an exception is what the app turns into ``InternalError``."""
    try:
        doc = answer(protocol, request)
    except Exception:
        return "InternalError"
    error = doc.get("Error")
    return error["Code"] if isinstance(error, dict) else None


ISSUE_CASES = [
    ("ListKeys", b'{"Offset": Infinity}'),
    ("ListKeys", b'{"Offset": -Infinity}'),
    ("ListKeys", b'{"Offset": NaN}'),
    ("ListKeys", b'{"Offset": 1e400}'),
    ("ListKeys", b'{"Limit": ' + b"[" * 5000 + b"]" * 5000 + b"}"),
    ("CreateKey", b'{"Alias": "a", "Description": "\\ud800"}'),
    ("CreateKey", b'{"Alias": "\\udfff"}'),
    ("DescribeKeys", b'{"KeyIds": [{"a": "b"}]}'),
    ("DescribeKeys", b'{"KeyIds": [["a"]]}'),
]


@pytest.mark.parametrize(("action", "body"), ISSUE_CASES)
def test_malformed_bodies_get_the_parameter_error(
    tencent: TencentProtocol, action: str, body: bytes
) -> None:
    code = error_code(tencent, tc3(action, body))
    assert code is not None and code.startswith("InvalidParameter"), code


ACTIONS = [
    "Encrypt", "Decrypt", "GenerateDataKey", "CreateKey", "DescribeKey", "DescribeKeys",
    "ListKeys", "ListKeyDetail", "UpdateAlias", "EnableKey", "DisableKey", "ArchiveKey",
    "CancelKeyArchive", "ScheduleKeyDeletion", "CancelKeyDeletion", "EnableKeyRotation",
    "DisableKeyRotation", "GetKeyRotationStatus", "RotateKey", "UpdateKeyDescription",
]  # fmt: skip
FIELDS = [
    "KeyId", "KeyIds", "Plaintext", "CiphertextBlob", "EncryptionContext", "Description",
    "Alias", "KeyUsage", "Type", "NumberOfBytes", "KeySpec", "PendingWindowInDays", "Offset",
    "Limit", "Role", "OrderType", "KeyState", "SearchKeyAlias", "Origin", "RotateDays",
    "TagFilters", "Tags",
]  # fmt: skip
HOSTILE: list[object] = [
    None, True, False, 0, -1, 2**64, 10**400, 1.5, -0.0, "", "x", "\u0000", "é" * 5000,
    [], [1], [None], [{"a": "b"}], [[]], {}, {"a": 1}, {"Key": ["v"]}, "AAAA", "!!!",
    "0" * 10000, "a" * 100_000,
]  # fmt: skip
RAW = [b"Infinity", b"-Infinity", b"NaN", b"1e999", b'"\\ud800"', b'["\\udc00"]', b'{"\\ud800": 1}']


def fuzzed_bodies(rng: random.Random, count: int) -> list[tuple[str, bytes]]:
    out = []
    for _ in range(count):
        fields: list[bytes] = []
        for name in rng.sample(FIELDS, rng.randint(1, 4)):
            if rng.random() < 0.2:
                value = rng.choice(RAW)
            else:
                value = json.dumps(rng.choice(HOSTILE)).encode()
            fields.append(json.dumps(name).encode() + b":" + value)
        out.append((rng.choice(ACTIONS), b"{" + b",".join(fields) + b"}"))
    return out


def test_fuzzed_bodies_never_answer_internal_error(tencent: TencentProtocol) -> None:
    rng = random.Random(20261202)
    key = answer(tencent, tc3("CreateKey", b'{"Alias": "fuzz"}'))
    internal = []
    for action, fuzzed in fuzzed_bodies(rng, 3000):
        body = fuzzed.replace(b'"x"', json.dumps(key["KeyId"]).encode())  # a real key at times
        if error_code(tencent, tc3(action, body)) == "InternalError":
            internal.append((action, body[:120]))
    assert internal == []


# -- X-TC-Action outside the signature -----------------------------------------------------
def swapped(request: Request, action: str) -> Request:
    """``request`` captured and replayed with another ``X-TC-Action`` (signature kept)."""
    return Request("POST", "/", b"", {**request.headers, "x-tc-action": action}, request.body)


def test_tc3_by_default_lets_a_replay_change_the_action(tencent: TencentProtocol) -> None:
    """The real protocol's property: the SDK signs ``content-type;host``, so within the
    5-minute window a captured DescribeKey can be replayed as DisableKey (their parameters
    are the same, so UnknownParameter does not stop it; an Encrypt's Plaintext would)."""
    key = answer(tencent, tc3("CreateKey", b'{"Alias": "victim"}'))["KeyId"]
    body = json.dumps({"KeyId": key}).encode()
    captured = tc3("DescribeKey", body)
    assert "Error" not in answer(tencent, captured)
    assert "Error" not in answer(tencent, swapped(captured, "DisableKey"))
    encrypt = tc3("Encrypt", json.dumps({"KeyId": key, "Plaintext": "aGk="}).encode())
    assert error_code(tencent, swapped(encrypt, "DisableKey")) == "UnknownParameter"
    described = answer(tencent, tc3("DescribeKey", json.dumps({"KeyId": key}).encode()))
    assert described["KeyMetadata"]["KeyState"] == "Disabled"  # type: ignore[index]


def test_tc3_can_require_a_signed_action() -> None:
    tencent = TencentProtocol(
        FakeCloud().service(Dialect.TENCENT),
        EmulatorCredentials(),
        signed_headers=frozenset({"x-tc-action"}),
    )
    assert error_code(tencent, tc3("ListKeys", b"{}")) == "AuthFailure.SignatureFailure"
    signed = ("content-type", "host", "x-tc-action")
    key = answer(tencent, tc3("CreateKey", b'{"Alias": "victim"}', signed=signed))["KeyId"]
    body = json.dumps({"KeyId": key, "Plaintext": "aGk="}).encode()
    captured = tc3("Encrypt", body, signed=signed)
    assert "Error" not in answer(tencent, captured)
    assert error_code(tencent, swapped(captured, "DisableKey")) == "AuthFailure.SignatureFailure"


def test_the_emulator_option_requires_a_signed_action() -> None:
    from unikms.emulator import Emulator

    emu = Emulator(tc3_sign_action=True)
    try:
        tencent = next(p for p in emu.app.protocols if p.name == "tencent")
        assert isinstance(tencent, TencentProtocol)
        assert tencent.signed_headers == {"x-tc-action"}
    finally:
        emu.close()
