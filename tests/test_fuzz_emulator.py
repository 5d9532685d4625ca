"""Fuzzing the emulator's request parsers (every protocol ``unikms serve`` serves, in its
routing order) through its ASGI application, in process.

Every request starts as one the protocol would serve (correctly signed, so the
hostile part reaches the parser behind the signature check) and is then made
hostile: odd parameter values and types, JSON that is deep, non-finite, not an
object or not UTF-8, protobuf bodies with random fields or flipped bytes,
repeated and oversized headers, broken signatures, random query strings and
methods. The oracle, for every answer:

* never a 5xx, and never the protocol's internal-error code (``InternalFailure``,
  ``InternalError``, ``KMSInternalException``): malformed input is the client's fault;
* never a traceback or a Python exception name in the body;
* always the protocol's own error shape: Alibaba classic a JSON object with
  ``Code``, ``Message`` and ``RequestId`` (HTTP >= 400), Tencent HTTP 200 with
  ``{"Response": {"Error": {"Code", "Message"}, "RequestId"}}``, the gateway a
  protobuf ``Error`` with ``ErrorCode`` (HTTP >= 400), AWS JSON 1.1 ``{"__type",
  "message"}`` with the code's documented status (400 for every client error) and
  ``x-amzn-RequestId``; a request no protocol claims, ``{"Code": "UnknownProtocol"}``
  with HTTP 400;
* and an AWS request whose signature is broken gets a signature error.

Budgets: ``tests/fuzz_profile.py``; figures: ``docs/fuzzing.md``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import hmac
import json
import tempfile
import time
import urllib.request
import uuid
from collections.abc import MutableMapping
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import attrs
import pytest
from hypothesis import event, example, given, note, settings
from hypothesis import strategies as st

from tests.fuzz_profile import FUZZ
from tests.test_emulator_gateway import Signer
from tests.test_emulator_server import acs3_request, tc3_request
from unikms.dialects.alibaba.dkms.wire import MESSAGES, MIGRATION_HEADER, pb
from unikms.dialects.alibaba.instance import MIGRATION_VERSION_PARAM
from unikms.dialects.alibaba.package import DEFAULT_ACCESS_KEY_ID as DEFAULT_ALIBABA_ACCESS_KEY_ID
from unikms.dialects.alibaba.package import (
    DEFAULT_ACCESS_KEY_SECRET as DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
)
from unikms.dialects.aws.package import DEFAULT_ACCESS_KEY_ID as DEFAULT_AWS_ACCESS_KEY_ID
from unikms.dialects.aws.package import DEFAULT_SECRET_ACCESS_KEY as DEFAULT_AWS_SECRET
from unikms.dialects.aws.rules import MEMBER_TYPES
from unikms.dialects.aws.rules import RULES as AWS_RULES
from unikms.dialects.tencent.package import DEFAULT_SECRET_ID as DEFAULT_TENCENT_SECRET_ID
from unikms.dialects.tencent.package import DEFAULT_SECRET_KEY as DEFAULT_TENCENT_SECRET_KEY
from unikms.emulator.app import EmulatorApp
from unikms.emulator.credentials import EmulatorCredentials
from unikms.emulator.server import served_packages
from unikms.emulator.wire import Request
from unikms.fake import FakeCloud
from unikms.fake.service import FakeService
from unikms.native import NativeError

HOST = "kms.fuzz.local"
Headers = list[tuple[bytes, bytes]]


@attrs.frozen
class Served:
    """An emulator app, a signer with its gateway client key, and ids that exist in it."""

    app: EmulatorApp
    signer: Signer
    services: dict[str, FakeService]  # by dialect
    alibaba_key: str
    alibaba_blob: str
    tencent_key: str
    tencent_blob: str
    instance: FakeService
    advance_blob: bytes
    aws_key: str
    aws_blob: str  # under the context {"a": "b"}
    aws_sign_key: str
    aws_signature: str  # of "hi" (aGk=), RSASSA_PSS_SHA_256


@functools.cache
def served() -> Served:
    """One app for the whole module (state it gains from fuzzed requests is part of the fuzz),
    serving every registered dialect in the order ``unikms serve`` routes them."""
    cloud = FakeCloud()
    creds = EmulatorCredentials()
    services = {p.name: cloud.service(p.name) for p in served_packages()}
    app = EmulatorApp(
        [
            p.emulator.protocol(services[p.name], creds, lambda action: None, {})
            for p in served_packages()
            if p.emulator is not None
        ]
    )
    with tempfile.TemporaryDirectory() as tmp:
        signer = Signer(creds.issue_client_key(tmp))
    classic, tencent = services["alibaba-classic"], services["tencent"]
    instance, aws = services["alibaba-instance"], services["aws"]
    ali = classic.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    ali_blob = classic.call("Encrypt", {"KeyId": ali, "Plaintext": "aGk="})["CiphertextBlob"]
    ten = tencent.call("CreateKey", {"Alias": "fuzz"})["KeyId"]
    ten_blob = tencent.call("Encrypt", {"KeyId": ten, "Plaintext": "aGk="})["CiphertextBlob"]
    adv = instance.call("AdvanceEncrypt", {"KeyId": ali, "Plaintext": b"hi"})["CiphertextBlob"]
    aws_key = aws.call("CreateKey", {})["KeyMetadata"]["KeyId"]
    aws.call("CreateAlias", {"AliasName": "alias/fuzz", "TargetKeyId": aws_key})
    sealed = {"KeyId": aws_key, "Plaintext": "aGk=", "EncryptionContext": {"a": "b"}}
    aws_blob = aws.call("Encrypt", sealed)["CiphertextBlob"]
    signing = {"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"}
    aws_sign = aws.call("CreateKey", signing)["KeyMetadata"]["KeyId"]
    signed = {"KeyId": aws_sign, "Message": "aGk=", "SigningAlgorithm": "RSASSA_PSS_SHA_256"}
    aws_signature = aws.call("Sign", signed)["Signature"]
    return Served(
        app, signer, services, ali, ali_blob, ten, ten_blob, instance, adv, aws_key, aws_blob,
        aws_sign, aws_signature,
    )  # fmt: skip


# -- driving the ASGI app ------------------------------------------------------------------------


@attrs.frozen
class Answer:
    status: int
    content_type: str
    body: bytes
    headers: dict[bytes, bytes] = attrs.field(factory=dict)


def call(
    method: str, query: bytes, headers: Headers, body: bytes, path: str = "/"
) -> tuple[Answer, Request]:
    """One request through the app as uvicorn hands it over; also the Request it routes by."""
    scope: dict[str, Any] = {
        "type": "http", "method": method, "path": path, "query_string": query,
        "headers": headers, "client": ("127.0.0.1", 50000),
    }  # fmt: skip
    sent: list[MutableMapping[str, Any]] = []
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)] or [b""]
    inbox = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]

    async def receive() -> MutableMapping[str, Any]:
        return inbox.pop(0) if inbox else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    asyncio.run(served().app(scope, receive, send))
    start, payload = sent[0], sent[1]
    answered = {k.lower(): v for k, v in start["headers"]}
    content_type = answered.get(b"content-type", b"").decode()
    merged: dict[str, str] = {}
    for raw_name, raw_value in headers:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        merged[name] = f"{merged[name]},{value}" if name in merged else value
    return Answer(start["status"], content_type, payload["body"], answered), Request(
        method, path, query, merged, body
    )


INTERNAL = {"InternalFailure", "InternalError", "KMSInternalException"}


def _a_decrypt_failure(answer: Answer, request: Request) -> bool:
    """A gateway ``Decrypt``/``AdvanceDecrypt`` answered ``InternalFailure`` 500, the Decrypt
    page's one error for a ciphertext that does not open (I5), and the fake, given the same
    request in process, refuses it with that code (not a crash the emulator caught)."""
    api = request.header("x-kms-apiname")
    if answer.status != 500 or api not in ("Decrypt", "AdvanceDecrypt"):
        return False
    if pb.Error.FromString(answer.body).ErrorCode != "InternalFailure":
        return False
    try:
        decoded = MESSAGES[api][0].FromString(request.body)
    except Exception:
        return False
    params: dict[str, Any] = {f.name: v for f, v in decoded.ListFields()}
    migration = request.header(MIGRATION_HEADER) if api == "Decrypt" else ""
    if migration:
        params[MIGRATION_VERSION_PARAM] = migration
    try:
        served().instance.call(api, params)
    except NativeError as err:
        return (err.code, err.http_status) == ("InternalFailure", 500)
    return False


def check_answer(answer: Answer, request: Request) -> str:
    """The oracle; returns the error code (or "ok") for the statistics."""
    if _a_decrypt_failure(answer, request):
        return "alibaba-instance: InternalFailure (does not decrypt)"
    assert answer.status < 500, f"a {answer.status} answer: {answer.body[:300]!r}"
    assert b"Traceback" not in answer.body and b'File "' not in answer.body, answer.body[:300]
    protocol = served().app.route(request)
    name = protocol.name if protocol is not None else None
    if request.method == "GET" and request.path in ("/health", "/_unikms/health"):
        return "health"
    if name == "alibaba-instance":
        assert answer.content_type == "application/x-protobuf"
        if answer.status >= 400:
            error = pb.Error.FromString(answer.body)
            assert error.ErrorCode and error.RequestId and error.StatusCode == answer.status
            code = error.ErrorCode
        else:
            code = "ok"
    else:
        doc = json.loads(answer.body)
        assert isinstance(doc, dict)
        if name == "tencent":
            assert answer.status == 200 and answer.content_type == "application/json"
            response = doc["Response"]
            assert isinstance(response["RequestId"], str) and response["RequestId"]
            error = response.get("Error")
            code = "ok"
            if error is not None:
                assert isinstance(error["Code"], str) and isinstance(error["Message"], str)
                code = error["Code"]
        elif name == "aws":
            code = _aws_answer(answer, doc)
        elif name == "alibaba-classic":
            assert answer.content_type.startswith("application/json")
            code = "ok"
            if answer.status >= 400:
                assert isinstance(doc["Message"], str) and doc["RequestId"]
                code = doc["Code"]
        else:
            assert (answer.status, doc["Code"]) == (400, "UnknownProtocol")
            code = "UnknownProtocol"
    assert code not in INTERNAL, f"{name} answered {code} to malformed input"
    return f"{name}: {code}"


def _aws_answer(answer: Answer, doc: dict[str, Any]) -> str:
    """AWS JSON 1.1: ``x-amzn-RequestId`` always; an error is ``{"__type", "message"}``
    with the code's documented status (400 for every client error, 412 for DryRun)."""
    assert answer.content_type == AWS_CONTENT_TYPE
    assert answer.headers.get(b"x-amzn-requestid"), "no x-amzn-RequestId"
    if answer.status == 200:
        return "ok"
    code = doc["__type"]
    assert isinstance(code, str) and code in AWS_RULES.errors, f"an undocumented code: {code!r}"
    assert isinstance(doc.get("message"), str) and doc["message"], f"{code} has no message"
    assert answer.status == AWS_RULES.errors[code].http_status, (code, answer.status)
    return str(code)


# -- signers: the suite's own (tests/test_emulator_server.py, tests/test_emulator_gateway.py) -----


def _asgi_form(request: urllib.request.Request) -> tuple[bytes, Headers, bytes]:
    """A signed ``urllib`` request as the ASGI app receives it: query, headers, body."""
    query = urlsplit(request.full_url).query.encode()
    headers = [(k.lower().encode(), v.encode("utf-8")) for k, v in request.header_items()]
    body = request.data if isinstance(request.data, bytes) else b""
    return query, headers, body


def tc3(action: str, body: bytes) -> Headers:
    return _asgi_form(tc3_request(HOST, action, body))[1]


def acs3(action: str, params: dict[str, str], body: bytes = b"") -> tuple[bytes, Headers]:
    query, headers, _ = _asgi_form(acs3_request(HOST, action, params, body=body))
    return query, headers


def gateway(api: str, body: bytes) -> Headers:
    headers = served().signer.headers(api, body)
    return [(k.encode(), v.encode()) for k, v in headers.items()]


def _pct(text: str) -> str:
    return quote(text, safe="-._~")


def tencent_v1(params: dict[str, str]) -> bytes:
    """A v1 (HmacSHA256) form body: common fields, ``params`` and the signature."""
    fields = {
        "Action": "ListKeys", "Version": "2019-01-18", "Region": "ap-guangzhou",
        "SecretId": DEFAULT_TENCENT_SECRET_ID, "Nonce": str(uuid.uuid4().int % 10**9),
        "Timestamp": str(int(time.time())), "SignatureMethod": "HmacSHA256", **params,
    }  # fmt: skip
    signed = sorted((k.replace("_", "."), v) for k, v in fields.items())
    to_sign = f"POST{HOST}/?" + "&".join(f"{k}={v}" for k, v in signed)
    digest = hmac.new(DEFAULT_TENCENT_SECRET_KEY.encode(), to_sign.encode(), hashlib.sha256)
    fields["Signature"] = base64.b64encode(digest.digest()).decode()
    return urlencode(fields).encode()


def acs_v1(params: dict[str, str]) -> bytes:
    """An old-style RPC query (HMAC-SHA1, ``Signature`` in the query)."""
    fields = {
        "Format": "JSON", "Version": "2016-01-20", "AccessKeyId": DEFAULT_ALIBABA_ACCESS_KEY_ID,
        "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex,
        "Timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), **params,
    }  # fmt: skip
    signed = "&".join(f"{_pct(k)}={_pct(v)}" for k, v in sorted(fields.items()))
    to_sign = f"POST&%2F&{_pct(signed)}"
    mac = hmac.new((DEFAULT_ALIBABA_ACCESS_KEY_SECRET + "&").encode(), to_sign.encode(), "sha1")
    fields["Signature"] = base64.b64encode(mac.digest()).decode()
    return urlencode(fields, quote_via=quote).encode()


AWS_CONTENT_TYPE = "application/x-amz-json-1.1"
AWS_REGION = "us-east-1"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac256(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sigv4(
    target: str,
    body: bytes,
    *,
    when: datetime | None = None,
    key_id: str = DEFAULT_AWS_ACCESS_KEY_ID,
    secret: str = DEFAULT_AWS_SECRET,
    scope_date: str | None = None,
    service: str = "kms",
    signed_body: bytes | None = None,
    extra: dict[str, str] | None = None,
    sign_host: bool = True,
) -> Headers:
    """Headers of a JSON 1.1 request as boto3 signs it (Signature Version 4, written out
    here from AWS's description rather than taken from ``unikms.dialects.aws.wire``).
    ``signed_body`` signs other bytes than those sent; ``extra`` headers are signed too."""
    stamp = (when or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    headers = {
        "content-type": AWS_CONTENT_TYPE, "host": HOST, "x-amz-date": stamp,
        "x-amz-target": target, **(extra or {}),
    }  # fmt: skip
    names = sorted(n for n in headers if sign_host or n != "host")
    canonical_headers = "".join(f"{n}:{headers[n].strip()}\n" for n in names)
    payload = _sha256(body if signed_body is None else signed_body)
    canonical = f"POST\n/\n\n{canonical_headers}\n{';'.join(names)}\n{payload}"
    day = scope_date or stamp[:8]
    scope = f"{day}/{AWS_REGION}/{service}/aws4_request"
    to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{_sha256(canonical.encode())}"
    key = ("AWS4" + secret).encode()
    for part in (day, AWS_REGION, service, "aws4_request"):
        key = _hmac256(key, part)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders={';'.join(names)}, "
        f"Signature={signature}"
    )
    return [(k.encode(), v.encode("utf-8")) for k, v in headers.items()]


# -- hostile values ------------------------------------------------------------------------------

#: strings a parameter may be given: huge, empty, non-ASCII, numbers that are not, JSON that is
HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "", " ", "-1", "0", "1e309", "NaN", "Infinity", "99999999999999999999999999",
            "2147483648", "1.5", "true", "null", "[]", "{}", '{"a":', '{"a":{"b":"c"}}',
            '{"a":1}', "[1,2]", "\u00e9\u4e2d", "\x00", "a" * 5000, "alias/", "alias/" + "x" * 300,
            "acs:kms:cn-hangzhou:1:key/x", "key-", "AES_GCM", "RSA_2048", "Aliyun_AES_256",
            "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "=" * 8, "QUJD", "A" * 8192,
        ]
    ),
)  # fmt: skip
ALIBABA_ACTIONS = [
    "Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "CreateKey",
    "DescribeKey", "ListKeys", "CreateAlias", "UpdateAlias", "DeleteAlias", "ListAliases",
    "ListAliasesByKeyId", "EnableKey", "DisableKey", "ScheduleKeyDeletion", "CancelKeyDeletion",
    "CreateKeyVersion", "ListKeyVersions", "DescribeKeyVersion", "NoSuchAction", "",
]  # fmt: skip
ALIBABA_PARAMS = [
    "KeyId", "Plaintext", "CiphertextBlob", "EncryptionContext", "NumberOfBytes", "KeySpec",
    "KeyUsage", "Origin", "ProtectionLevel", "Description", "AliasName", "PageNumber",
    "PageSize", "PendingWindowInDays", "KeyVersionId", "DryRun", "RotationInterval",
    "EnableAutomaticRotation", "Filters", "Action", "Version",
]  # fmt: skip
TENCENT_ACTIONS = [
    "Encrypt", "Decrypt", "GenerateDataKey", "CreateKey", "DescribeKey", "DescribeKeys",
    "ListKeys", "ListKeyDetail", "UpdateAlias", "EnableKey", "DisableKey", "ArchiveKey",
    "CancelKeyArchive", "ScheduleKeyDeletion", "CancelKeyDeletion", "EnableKeyRotation",
    "DisableKeyRotation", "GetKeyRotationStatus", "RotateKey", "NoSuchAction",
]  # fmt: skip
TENCENT_PARAMS = [
    "KeyId", "KeyIds", "Plaintext", "CiphertextBlob", "EncryptionContext", "NumberOfBytes",
    "KeySpec", "KeyUsage", "Alias", "Description", "Type", "Offset", "Limit", "Role",
    "OrderType", "KeyState", "SearchKeyAlias", "Origin", "PendingWindowInDays", "Tags",
]  # fmt: skip


def _alibaba_values() -> st.SearchStrategy[str]:
    s = served()
    return st.one_of(HOSTILE_TEXT, st.sampled_from([s.alibaba_key, s.alibaba_blob, "aGk="]))


def _valid_alibaba(action: str) -> dict[str, str]:
    """The parameters a served request of ``action`` would carry (the fuzz mutates them)."""
    s = served()
    by_action = {
        "Encrypt": {"KeyId": s.alibaba_key, "Plaintext": "aGk=", "EncryptionContext": '{"a":"b"}'},
        "Decrypt": {"CiphertextBlob": s.alibaba_blob},
        "GenerateDataKey": {"KeyId": s.alibaba_key, "NumberOfBytes": "32"},
        "GenerateDataKeyWithoutPlaintext": {"KeyId": s.alibaba_key, "KeySpec": "AES_256"},
        "CreateKey": {"KeySpec": "Aliyun_AES_256", "KeyUsage": "ENCRYPT/DECRYPT"},
        "ListKeys": {"PageNumber": "1", "PageSize": "10"},
        "ListAliases": {"PageNumber": "1", "PageSize": "10"},
        "CreateAlias": {"KeyId": s.alibaba_key, "AliasName": "alias/fuzz"},
        "UpdateAlias": {"KeyId": s.alibaba_key, "AliasName": "alias/fuzz"},
        "DeleteAlias": {"AliasName": "alias/none"},
        "ScheduleKeyDeletion": {"KeyId": "key-none", "PendingWindowInDays": "7"},
        "DescribeKeyVersion": {"KeyId": s.alibaba_key, "KeyVersionId": "v"},
    }
    return dict(by_action.get(action, {"KeyId": s.alibaba_key}))


@st.composite
def alibaba_params(draw: st.DrawFn, action: str) -> dict[str, str]:
    """A served request's parameters, some replaced by hostile values, some dropped, some added."""
    params = _valid_alibaba(action)
    for name in list(params):
        choice = draw(st.sampled_from(["keep", "keep", "hostile", "drop"]))
        if choice == "hostile":
            params[name] = draw(_alibaba_values())
        elif choice == "drop":
            del params[name]
    names = st.one_of(
        st.sampled_from(ALIBABA_PARAMS), st.from_regex(r"[A-Za-z.]{1,12}", fullmatch=True)
    )
    params.update(draw(st.dictionaries(names, _alibaba_values(), max_size=3)))
    return params


#: JSON values of any type at all (floats, objects, nesting); parsers must refuse them typed
ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | HOSTILE_TEXT,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


#: the JSON type of each Tencent parameter (API 2019-01-18); the others are strings
TENCENT_INTEGERS = frozenset(
    {"NumberOfBytes", "Offset", "Limit", "PendingWindowInDays", "Role", "OrderType", "KeyState",
     "Type"}
)  # fmt: skip
INTEGERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70), st.sampled_from([0, -1, 2**31, 2**63])
)


def _valid_tencent(action: str) -> dict[str, Any]:
    s = served()
    by_action: dict[str, dict[str, Any]] = {
        "Encrypt": {"KeyId": s.tencent_key, "Plaintext": "aGk=", "EncryptionContext": '{"a":"b"}'},
        "Decrypt": {"CiphertextBlob": s.tencent_blob},
        "GenerateDataKey": {"KeyId": s.tencent_key, "NumberOfBytes": 32},
        "CreateKey": {"Alias": "fuzz-new", "KeyUsage": "ENCRYPT_DECRYPT"},
        "DescribeKeys": {"KeyIds": [s.tencent_key]},
        "ListKeys": {"Offset": 0, "Limit": 10, "Role": 0},
        "ListKeyDetail": {"Offset": 0, "Limit": 10, "OrderType": 0, "KeyState": 0},
        "UpdateAlias": {"KeyId": s.tencent_key, "Alias": "fuzz"},
        "ScheduleKeyDeletion": {"KeyId": s.tencent_key, "PendingWindowInDays": 7},
    }
    return dict(by_action.get(action, {"KeyId": s.tencent_key}))


def _tencent_value(draw: st.DrawFn, name: str, values: st.SearchStrategy[Any] | None) -> Any:
    s = served()
    known = st.sampled_from([s.tencent_key, s.tencent_blob, "aGk=", "alias/fuzz"])
    if values is not None:
        return draw(st.one_of(values, known))
    if name in TENCENT_INTEGERS:
        return draw(INTEGERS)
    if name == "KeyIds":
        return draw(st.lists(st.one_of(HOSTILE_TEXT, known), max_size=5))
    if name == "Tags":
        tag = st.fixed_dictionaries({"TagKey": HOSTILE_TEXT, "TagValue": HOSTILE_TEXT})
        return draw(st.lists(tag, max_size=3))
    return draw(st.one_of(HOSTILE_TEXT, known))


@st.composite
def tencent_params(
    draw: st.DrawFn, action: str, values: st.SearchStrategy[Any] | None = None
) -> dict[str, Any]:
    """A served request's parameters, some replaced, dropped or added. ``values=None``
    gives each its documented JSON type (hostile contents, right type), else any value of
    ``values``."""
    params = _valid_tencent(action)
    for name in list(params):
        choice = draw(st.sampled_from(["keep", "keep", "hostile", "drop"]))
        if choice == "hostile":
            params[name] = _tencent_value(draw, name, values)
        elif choice == "drop":
            del params[name]
    extra = draw(
        st.lists(st.one_of(st.sampled_from(TENCENT_PARAMS), st.text(max_size=10)), max_size=3)
    )
    for name in extra:
        params[name] = _tencent_value(draw, name, values)
    return params


#: AWS KMS's actions (every one the rules document, and two that are none)
AWS_ACTIONS = [*sorted(AWS_RULES.known_params), "NoSuchAction", ""]
#: numbers that are not: digits of other scripts (``str.isdigit`` is true for some that
#: ``int`` refuses), signs, spaces, other bases, huge ones
AWS_NUMERIC_TEXT = st.sampled_from(
    ["\u00b2", "\u0661\u0662", "\uff11", "\u2460", "1\u00b2", "0x10", "1_0", " 1", "-1", "1e3",
     "99999999999999999999", "\u0967", "\U0001d7d9"]
)  # fmt: skip
#: names AWS's members take, near misses and other members' (ARNs, reserved names, enums)
AWS_NAMES = st.sampled_from(
    [
        "arn:aws:kms:us-east-1:111122223333:key/", "arn:aws:kms:us-east-1:111122223333:alias/",
        "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-000000000000",
        "arn:aws-cn:kms:cn-north-1:111122223333:alias/x", "arn:", "alias/aws/x", "alias/",
        "mrk-" + "0" * 32, "00000000-0000-4000-8000-000000000000", "RSASSA_PSS_SHA_256",
        "RSAES_OAEP_SHA_256", "SM2PKE", "ECC_NIST_P256", "RSA_2048", "HMAC_256", "SIGN_VERIFY",
        "GENERATE_VERIFY_MAC", "EXTERNAL", "AWS_CLOUDHSM", "DIGEST", "RAW", "AES_128",
        "ALL_KEY_MATERIAL", "SYMMETRIC_DEFAULT", "aws:tag",
    ]
)  # fmt: skip
#: a string member's hostile values
AWS_TEXT = st.one_of(
    HOSTILE_TEXT,
    st.text(st.characters(codec=None, exclude_categories=()), max_size=12),  # lone surrogates
    AWS_NUMERIC_TEXT,
    AWS_NAMES,
)
#: raw JSON values json.dumps would not write, spliced in as a member's value
AWS_RAW_VALUES = [
    b"Infinity", b"-Infinity", b"NaN", b"1e999", b"-1e999", b"-0", b"1.0", b"1e2",
    b"1" + b"0" * 5000, b"[" * 5000 + b"]" * 5000, b'{"a":' * 3000 + b"1" + b"}" * 3000,
    b'"\\ud800"', b'"\\udfff\\ud800"', b'"\\u0000"', b'"\xed\xa0\x80"', b'"\xff"',
    b'{"a": "b"}', b'{"a": {"b": "c"}}', b'{"\\ud800": "x"}', b'[{"TagKey": 1}]', b"true",
    b"null", b"[]", b'[null]', b'"' + b"x" * 70_000 + b'"',
]  # fmt: skip


def _valid_aws(action: str) -> dict[str, Any]:
    """The members of a request of ``action`` the fake would serve (the fuzz mutates them)."""
    s = served()
    key, tags = s.aws_key, [{"TagKey": "fuzz", "TagValue": "v"}]
    sign = {"KeyId": s.aws_sign_key, "Message": "aGk=", "SigningAlgorithm": "RSASSA_PSS_SHA_256"}
    by_action: dict[str, dict[str, Any]] = {
        "Encrypt": {"KeyId": "alias/fuzz", "Plaintext": "aGk=", "EncryptionContext": {"a": "b"}},
        "Decrypt": {"CiphertextBlob": s.aws_blob, "EncryptionContext": {"a": "b"}},
        "ReEncrypt": {
            "CiphertextBlob": s.aws_blob,
            "SourceEncryptionContext": {"a": "b"},
            "DestinationKeyId": key,
        },
        "GenerateDataKey": {"KeyId": key, "NumberOfBytes": 32},
        "GenerateDataKeyWithoutPlaintext": {"KeyId": key, "KeySpec": "AES_256"},
        "GenerateRandom": {"NumberOfBytes": 16},
        "CreateKey": {"Description": "fuzz", "Tags": tags},
        "CreateAlias": {"AliasName": "alias/fuzz-new", "TargetKeyId": key},
        "UpdateAlias": {"AliasName": "alias/fuzz", "TargetKeyId": key},
        "DeleteAlias": {"AliasName": "alias/fuzz-none"},
        "ListKeys": {"Limit": 10, "Marker": "1"},
        "ListAliases": {"KeyId": key, "Limit": 10},
        "ListKeyRotations": {"KeyId": key, "Limit": 10},
        "ListResourceTags": {"KeyId": key, "Limit": 10},
        "ScheduleKeyDeletion": {"KeyId": key, "PendingWindowInDays": 7},
        "EnableKeyRotation": {"KeyId": key, "RotationPeriodInDays": 90},
        "UpdateKeyDescription": {"KeyId": key, "Description": "fuzz"},
        "TagResource": {"KeyId": key, "Tags": tags},
        "UntagResource": {"KeyId": key, "TagKeys": ["fuzz"]},
        "Sign": sign,
        "Verify": {**sign, "Signature": s.aws_signature},
        "GetPublicKey": {"KeyId": s.aws_sign_key},
    }
    return dict(by_action.get(action, {"KeyId": key}))


def _aws_value(draw: st.DrawFn, name: str, values: st.SearchStrategy[Any] | None) -> Any:
    """A hostile value for member ``name``: of its model type (``values=None``), else any."""
    s = served()
    known = st.sampled_from(
        [s.aws_key, s.aws_blob, s.aws_sign_key, "aGk=", "alias/fuzz", s.aws_signature]
    )
    if values is not None:
        return draw(st.one_of(values, known))
    kind = MEMBER_TYPES.get(name, "string")  # botocore's model (test_emulator_aws_input.py)
    if kind == "integer":
        return draw(INTEGERS)
    if kind == "boolean":
        return draw(st.booleans())
    if kind == "map":
        return draw(st.dictionaries(AWS_TEXT, AWS_TEXT, max_size=3))
    if kind == "list":
        return draw(st.lists(st.one_of(AWS_TEXT, known), max_size=4))
    if kind == "tags":
        tag = st.fixed_dictionaries({"TagKey": AWS_TEXT, "TagValue": AWS_TEXT})
        return draw(st.lists(tag, max_size=3))
    if kind == "structure":
        fields = {"KeyEncryptionAlgorithm": AWS_TEXT, "AttestationDocument": AWS_TEXT}
        return draw(st.fixed_dictionaries({}, optional=fields))
    return draw(st.one_of(AWS_TEXT, known))


@st.composite
def aws_params(
    draw: st.DrawFn, action: str, values: st.SearchStrategy[Any] | None = None
) -> dict[str, Any]:
    """A served request's members, some replaced, dropped or added (the action's own
    members, or any name): of their model types with hostile contents (``values=None``),
    or any value of ``values``."""
    params = _valid_aws(action)
    for name in list(params):
        choice = draw(st.sampled_from(["keep", "keep", "hostile", "drop"]))
        if choice == "hostile":
            params[name] = _aws_value(draw, name, values)
        elif choice == "drop":
            del params[name]
    members = sorted(AWS_RULES.known_params.get(action, ())) or ["KeyId"]
    focus = draw(st.sampled_from(members))  # one member of the action always hostile
    params[focus] = _aws_value(draw, focus, values)
    extra = draw(st.lists(st.one_of(st.sampled_from(members), st.text(max_size=10)), max_size=2))
    for name in extra:
        params[name] = _aws_value(draw, name, values)
    return params


# -- hostile requests, one strategy per parser ----------------------------------------------------


@st.composite
def hostile_headers(draw: st.DrawFn, headers: Headers) -> Headers:
    """Signed headers, sometimes with extra, repeated, oversized or dropped ones."""
    out = list(headers)
    kind = draw(st.sampled_from(["as-signed"] * 4 + ["repeat", "drop", "extra", "huge", "case"]))
    note(f"headers: {kind}")
    if kind == "repeat" and out:
        name, value = draw(st.sampled_from(out))
        out += [(name, value)] * draw(st.integers(1, 50))
    elif kind == "drop" and out:
        del out[draw(st.integers(0, len(out) - 1))]
    elif kind == "extra":
        name = draw(st.sampled_from([b"content-length", b"x-acs-action", b"x-kms-apiname",
                                     b"x-tc-action", b"authorization", b"content-type", b"host",
                                     b"x-amz-target", b"x-amz-date", b"x-amz-security-token",
                                     b"x-amz-content-sha256", b"x-random"]))  # fmt: skip
        out.append((name, draw(st.binary(max_size=64))))
    elif kind == "huge" and out:
        i = draw(st.integers(0, len(out) - 1))
        out[i] = (out[i][0], out[i][1] + b"x" * draw(st.sampled_from([1000, 8192, 70_000])))
    elif kind == "case" and out:
        i = draw(st.integers(0, len(out) - 1))
        out[i] = (out[i][0].upper(), out[i][1])
    return out


@st.composite
def alibaba_request(draw: st.DrawFn) -> tuple[str, bytes, Headers, bytes]:
    action = draw(st.sampled_from(ALIBABA_ACTIONS))
    params = draw(alibaba_params(action))
    style = draw(st.sampled_from(["acs3", "acs3-form", "v1", "unsigned"]))
    note(f"alibaba {style} {action} {params!r}")
    if style == "acs3":
        query, headers = acs3(action, params)
        return "POST", query, draw(hostile_headers(headers)), b""
    if style == "acs3-form":
        body = urlencode(params).encode()
        query, headers = acs3(action, {}, body)
        headers.append((b"content-type", b"application/x-www-form-urlencoded"))
        return "POST", query, draw(hostile_headers(headers)), body
    if style == "v1":
        return "POST", acs_v1({"Action": action, **params}), [(b"host", HOST.encode())], b""
    query = draw(st.one_of(st.binary(max_size=200), st.just(urlencode(params).encode())))
    return "POST", b"AccessKeyId=x&" + query, [], b""


@st.composite
def tencent_request(draw: st.DrawFn) -> tuple[str, bytes, Headers, bytes]:
    action = draw(st.sampled_from(TENCENT_ACTIONS))
    style = draw(st.sampled_from(["json", "json-raw", "v1", "unsigned"]))
    if style == "json":
        body = json.dumps(draw(tencent_params(action))).encode()
        note(f"tencent json {action} {body[:200]!r}")
        return "POST", b"", draw(hostile_headers(tc3(action, body))), body
    if style == "json-raw":  # signed bytes that are not a JSON object at all
        body = draw(
            st.one_of(
                st.binary(max_size=100),
                st.sampled_from([b"", b"[]", b"null", b'"x"', b"1", b"{", b"\xff\xfe{}",
                                 b'{"KeyId": "a"} trailing', b"\xef\xbb\xbf{}"]),
            )
        )  # fmt: skip
        note(f"tencent raw {action} {body!r}")
        return "POST", b"", draw(hostile_headers(tc3(action, body))), body
    if style == "v1":
        flat = {str(k): str(v) for k, v in draw(tencent_params(action, HOSTILE_TEXT)).items()}
        # flattened lists: plain items or items with fields, not both at one index (bug (e))
        items = draw(
            st.sampled_from(
                [
                    ["KeyIds.0", "KeyIds.1", "KeyIds.x", "KeyIds.99999"],
                    ["Tags.0.TagKey", "Tags.0.TagValue", "Tags.1.TagKey"],
                ]
            )
        )
        lists = draw(st.dictionaries(st.sampled_from(items), HOSTILE_TEXT, max_size=3))
        body = tencent_v1({"Action": action, **flat, **lists})
        headers = [
            (b"host", HOST.encode()),
            (b"content-type", b"application/x-www-form-urlencoded"),
        ]
        return "POST", b"", draw(hostile_headers(headers)), body
    body = draw(st.binary(max_size=100))
    return "POST", b"SecretId=x", [(b"x-tc-action", action.encode())], body


@st.composite
def protobuf_body(draw: st.DrawFn, api: str) -> bytes:
    """A request message with random field values, its bytes mutated or not; or random bytes."""
    s = served()
    message_type = MESSAGES[api][0] if api in MESSAGES else pb.EncryptRequest
    message = message_type()
    advance_blob = s.advance_blob
    valid: dict[str, Any] = {
        "KeyId": s.alibaba_key, "Plaintext": b"hello", "CiphertextBlob": advance_blob,
        "Algorithm": "AES_GCM", "Aad": b"aad", "NumberOfBytes": 32,
    }  # fmt: skip
    for field in message.DESCRIPTOR.fields:
        choice = draw(st.sampled_from(["valid", "valid", "hostile", "unset"]))
        if choice == "unset" or (choice == "valid" and field.name not in valid):
            continue
        if choice == "valid":
            value: Any = valid[field.name]
        elif field.type == field.TYPE_STRING:
            names = [s.alibaba_key, "AES_GCM", "PKCS7_PADDING"]
            value = draw(st.one_of(HOSTILE_TEXT, st.sampled_from(names)))
        elif field.type == field.TYPE_BYTES:
            value = draw(
                st.one_of(
                    st.binary(max_size=80),
                    st.sampled_from([advance_blob, bytes(12), b"\0" * 9000]),
                )
            )
        else:
            value = draw(st.integers(min_value=-(2**31), max_value=2**31 - 1))
        setattr(message, field.name, value)
    raw = message.SerializeToString()
    kind = draw(st.sampled_from(["message", "message", "flipped", "cut", "random"]))
    note(f"protobuf: {kind}")
    if kind == "flipped" and raw:
        out = bytearray(raw)
        i = draw(st.integers(0, len(out) - 1))
        out[i] ^= 1 << draw(st.integers(0, 7))
        return bytes(out)
    if kind == "cut" and raw:
        return raw[: draw(st.integers(0, len(raw) - 1))]
    if kind == "random":
        return draw(st.binary(max_size=120))
    return raw


@st.composite
def gateway_request(draw: st.DrawFn) -> tuple[str, bytes, Headers, bytes]:
    api = draw(st.sampled_from(sorted(MESSAGES) * 4 + ["Sign", "X", ""]))
    body = draw(protobuf_body(api))
    signed = draw(st.integers(0, 9)) > 0 or api not in MESSAGES
    headers = gateway(api, body) if signed else [(b"x-kms-apiname", api.encode())]
    note(f"gateway {api} signed={signed} {body[:100]!r}")
    return "POST", b"", draw(hostile_headers(headers)), body


@st.composite
def stray_request(draw: st.DrawFn) -> tuple[str, bytes, Headers, bytes]:
    """Requests of no protocol, or of several at once: methods, paths, query bytes."""
    method = draw(st.sampled_from(["POST", "GET", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]))
    names = [b"x-acs-action", b"x-kms-apiname", b"x-tc-action", b"authorization", b"content-type",
             b"x-amz-target", b"x-amz-date"]  # fmt: skip
    values = st.one_of(
        st.binary(max_size=40),
        st.sampled_from(
            [b"TrentService.ListKeys", b"TrentService.", b"AWS4-HMAC-SHA256", b"TC3-HMAC-SHA256",
             b"ACS3-HMAC-SHA256", AWS_CONTENT_TYPE.encode(), b"Encrypt"]
        ),
    )  # fmt: skip
    headers = draw(st.lists(st.tuples(st.sampled_from(names), values), max_size=4))
    query = draw(
        st.one_of(
            st.binary(max_size=80),
            st.sampled_from(
                [b"AccessKeyId=a&SecretId=b", b"Signature=%ff%fe", b"a=%zz", b"&&&==", b"SecretId"]
            ),
        )
    )
    return method, query, headers, draw(st.binary(max_size=80))


#: JSON values of any type at all, non-finite numbers and lone surrogates included
AWS_ANY_JSON = st.recursive(
    st.none() | st.booleans() | INTEGERS | st.floats() | AWS_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(AWS_TEXT, inner, max_size=4),
    max_leaves=12,
)
#: the ways a request's signature is broken; each must get one of AWS_AUTH_ERRORS
AWS_BROKEN = [
    "secret", "key-id", "signature", "stale", "future", "scope-date", "scope-service",
    "no-host", "body", "body-hash", "query", "token", "no-auth", "garbled", "bad-date",
]  # fmt: skip
AWS_AUTH_ERRORS = frozenset(
    {"InvalidSignatureException", "IncompleteSignatureException", "UnrecognizedClientException",
     "MissingAuthenticationTokenException"}
)  # fmt: skip


def _aws_body(draw: st.DrawFn, action: str) -> bytes:
    style = draw(st.sampled_from(["typed", "typed", "any", "raw-member", "raw-body"]))
    note(f"aws body: {style}")
    if style == "typed":  # each member of its model type, hostile contents
        return json.dumps(draw(aws_params(action))).encode()
    if style == "any":  # any JSON in any member
        return json.dumps(draw(aws_params(action, AWS_ANY_JSON))).encode()
    if style == "raw-member":  # a member given JSON that json.dumps never writes
        params = draw(aws_params(action))
        members = sorted(AWS_RULES.known_params.get(action, ())) or ["KeyId"]
        name = draw(st.sampled_from(members))
        params.pop(name, None)
        head = json.dumps(params).encode()[:-1] + (b", " if params else b"")
        return (
            head + json.dumps(name).encode() + b": " + draw(st.sampled_from(AWS_RAW_VALUES)) + b"}"
        )
    return draw(
        st.one_of(
            st.binary(max_size=100),
            st.sampled_from([b"", b"[]", b"null", b'"x"', b"1", b"{", b"\xff\xfe{}",
                             b"\xef\xbb\xbf{}", b'{"KeyId": "a"} trailing',
                             b'{"Limit": 1, "Limit": "x"}', b'{"KeyId": "\xed\xa0\x80"}']),
        )
    )  # fmt: skip


def _aws_broken(draw: st.DrawFn, kind: str, target: str, body: bytes) -> tuple[bytes, Headers]:
    """A request whose signature does not hold, in one way (``kind``): query and headers."""
    now = datetime.now(timezone.utc)
    if kind in ("secret", "key-id", "stale", "future", "scope-date", "scope-service", "no-host"):
        options: dict[str, Any] = {
            "secret": {"secret": "not-the-secret"},
            "key-id": {"key_id": "AKIAUNKNOWNKEY000000"},
            "stale": {"when": now - timedelta(minutes=6)},
            "future": {"when": now + timedelta(minutes=6)},
            "scope-date": {"scope_date": "20000101"},
            "scope-service": {"service": "s3"},
            "no-host": {"sign_host": False},
        }[kind]
        return b"", sigv4(target, body, **options)
    if kind == "body":  # signed over other bytes than those sent
        return b"", sigv4(target, body, signed_body=body + b" ")
    if kind == "body-hash":  # ...and saying so: the signed payload hash names the other bytes
        other = body + b" "
        sha = {"x-amz-content-sha256": _sha256(other)}
        return b"", sigv4(target, body, signed_body=other, extra=sha)
    if kind == "token":
        return b"", sigv4(target, body, extra={"x-amz-security-token": "a-session-token"})
    headers = sigv4(target, body)
    if kind == "query":  # a query the signature does not cover
        return b"a=" + draw(st.binary(max_size=20)), headers
    auth = next(i for i, (n, _) in enumerate(headers) if n == b"authorization")
    if kind == "signature":  # one hex digit of the signature changed
        value = headers[auth][1]
        digit = b"0" if value[-1:] != b"0" else b"1"
        headers[auth] = (b"authorization", value[:-1] + digit)
    elif kind == "no-auth":
        del headers[auth]
    elif kind == "garbled":
        value = draw(
            st.one_of(
                st.binary(max_size=80).map(lambda b: b"AWS4-HMAC-SHA256 " + b),
                st.sampled_from([b"AWS4-HMAC-SHA256", b"AWS4-HMAC-SHA256 Credential=/",
                                 headers[auth][1].replace(b", ", b",", 1).upper()]),
            )
        )  # fmt: skip
        headers[auth] = (b"authorization", value)
    else:  # bad-date
        i = next(i for i, (n, _) in enumerate(headers) if n == b"x-amz-date")
        headers[i] = (b"x-amz-date", draw(st.sampled_from([b"yesterday", b"", b"2026-01-01"])))
    return b"", headers


@st.composite
def aws_request(draw: st.DrawFn) -> tuple[tuple[str, bytes, Headers, bytes], str | None]:
    """A JSON 1.1 request, correctly signed or broken in one way (then returned with it)."""
    action = draw(st.sampled_from(AWS_ACTIONS))
    target = draw(
        st.sampled_from(
            [f"TrentService.{action}"] * 16
            + ["TrentService", f"trentservice.{action}", f"Kms.{action}", f"TrentService.{action} "]
        )
    )
    body = _aws_body(draw, action)
    broken = draw(st.sampled_from([None] * len(AWS_BROKEN) + AWS_BROKEN))
    note(f"aws {target!r} broken={broken} {body[:200]!r}")
    if broken is None:
        headers = draw(hostile_headers(sigv4(target, body)))
        return ("POST", b"", headers, body), None
    query, headers = _aws_broken(draw, broken, target, body)
    return ("POST", query, headers, body), broken


def _restore_keys() -> None:
    """Undo what a fuzzed DisableKey, ScheduleKeyDeletion or ArchiveKey did to the keys the
    requests name, so later examples still reach the code behind a usable key."""
    s = served()
    for dialect, key, actions in (
        ("alibaba-classic", s.alibaba_key, ("CancelKeyDeletion", "EnableKey")),
        ("tencent", s.tencent_key, ("CancelKeyDeletion", "CancelKeyArchive", "EnableKey")),
        ("aws", s.aws_key, ("CancelKeyDeletion", "EnableKey")),
        ("aws", s.aws_sign_key, ("CancelKeyDeletion", "EnableKey")),
    ):
        for action in actions:
            with contextlib.suppress(NativeError):
                s.services[dialect].call(action, {"KeyId": key})
    with contextlib.suppress(NativeError):  # the alias the valid requests name
        s.services["aws"].call("CreateAlias", {"AliasName": "alias/fuzz", "TargetKeyId": s.aws_key})


def _run(request: tuple[str, bytes, Headers, bytes]) -> None:
    _restore_keys()
    method, query, headers, body = request
    answer, routed = call(method, query, headers, body)
    event(check_answer(answer, routed))


@settings(FUZZ)
@given(request=alibaba_request())
def test_the_alibaba_classic_parser_answers_hostile_requests_in_its_own_shape(
    request: tuple[str, bytes, Headers, bytes],
) -> None:
    _run(request)


@settings(FUZZ)
@given(request=tencent_request())
def test_the_tencent_parser_answers_hostile_requests_in_its_own_shape(
    request: tuple[str, bytes, Headers, bytes],
) -> None:
    _run(request)


@settings(FUZZ)
@given(request=aws_request())
def test_the_aws_parser_answers_hostile_requests_in_its_own_shape(
    request: tuple[tuple[str, bytes, Headers, bytes], str | None],
) -> None:
    """Hostile members and bodies behind a good signature; broken signatures refused."""
    (method, query, headers, body), broken = request
    _restore_keys()
    answer, routed = call(method, query, headers, body)
    outcome = check_answer(answer, routed)
    event(outcome if broken is None else f"broken {broken}: {outcome}")
    if broken is not None and outcome.startswith("aws: "):  # (no-auth may route nowhere)
        code = outcome.removeprefix("aws: ")
        assert code in AWS_AUTH_ERRORS, f"a request whose signature is broken ({broken}) got {code}"


@settings(FUZZ, max_examples=max(1, FUZZ.max_examples // 2))
@given(request=gateway_request())
def test_the_gateway_parser_answers_hostile_requests_in_its_own_shape(
    request: tuple[str, bytes, Headers, bytes],
) -> None:
    _run(request)


@settings(FUZZ, max_examples=max(1, FUZZ.max_examples // 2))
@given(request=stray_request())
def test_requests_of_no_protocol_get_the_router_answer(
    request: tuple[str, bytes, Headers, bytes],
) -> None:
    _run(request)


def _signed_as(protocol: str) -> tuple[bytes, Headers, bytes]:
    """A ListKeys (or Encrypt) request each protocol would serve: query, headers, body."""
    if protocol == "aws":
        return b"", sigv4("TrentService.ListKeys", b"{}"), b"{}"
    if protocol == "tencent":
        return b"", tc3("ListKeys", b"{}"), b"{}"
    if protocol == "alibaba-instance":
        body = pb.EncryptRequest(KeyId=served().alibaba_key, Plaintext=b"hi").SerializeToString()
        return b"", gateway("Encrypt", body), body
    query, headers = acs3("ListKeys", {})
    return query, headers, b""


@pytest.mark.parametrize(
    ("signed", "added", "routed_to", "outcome"),
    [
        # AWS's headers on the others' requests: the first protocol in serve order that
        # claims the request answers it (alibaba-classic, alibaba-instance, aws, tencent)
        ("alibaba-classic", (b"x-amz-target", b"TrentService.ListKeys"), "alibaba-classic", "ok"),
        ("alibaba-instance", (b"x-amz-target", b"TrentService.ListKeys"), "alibaba-instance", "ok"),
        ("tencent", (b"x-amz-target", b"TrentService.ListKeys"), "aws",
         "IncompleteSignatureException"),
        ("tencent", (b"x-amz-target", b"NotTrentService.ListKeys"), "tencent", "ok"),
        # the others' headers on AWS's request
        ("aws", (b"x-acs-action", b"ListKeys"), "alibaba-classic", "IncompleteSignature"),
        ("aws", (b"x-kms-apiname", b"Encrypt"), "alibaba-instance", "InvalidApiVersion"),
        ("aws", (b"x-tc-action", b"ListKeys"), "aws", "ok"),
        ("aws", (b"authorization", b"TC3-HMAC-SHA256 x"), "aws", "IncompleteSignatureException"),
    ],
)  # fmt: skip
def test_aws_headers_mixed_with_another_protocols(
    signed: str, added: tuple[bytes, bytes], routed_to: str, outcome: str
) -> None:
    """A request with the headers of AWS and of another protocol: one protocol answers,
    in its own shape (the router's order decides which)."""
    query, headers, body = _signed_as(signed)
    answer, routed = call("POST", query, [*headers, added], body)
    got = check_answer(answer, routed)
    assert got == f"{routed_to}: {outcome}", got


def test_the_aws_signer_signs_as_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    """The targets' SigV4 is botocore's, to the digit (else "correctly signed" would
    rest on the emulator agreeing with itself)."""
    auth = pytest.importorskip("botocore.auth")
    awsrequest = pytest.importorskip("botocore.awsrequest")
    credentials = pytest.importorskip("botocore.credentials")
    when = datetime.now(timezone.utc).replace(microsecond=0)
    monkeypatch.setattr(auth, "get_current_datetime", lambda: when)
    body = b'{"KeyId": "alias/fuzz"}'
    target = "TrentService.DescribeKey"
    request = awsrequest.AWSRequest(
        method="POST", url=f"http://{HOST}/", data=body,
        headers={"X-Amz-Target": target, "Content-Type": AWS_CONTENT_TYPE},
    )  # fmt: skip
    keys = credentials.Credentials(DEFAULT_AWS_ACCESS_KEY_ID, DEFAULT_AWS_SECRET)
    auth.SigV4Auth(keys, "kms", AWS_REGION).add_auth(request)
    ours = dict(sigv4(target, body, when=when))
    assert ours[b"authorization"].decode() == request.headers["Authorization"]
    answer, routed = call("POST", b"", list(ours.items()), body)
    assert check_answer(answer, routed) == "aws: ok"


# -- bug (b), fixed: ill-typed Tencent JSON gets a parameter error, not InternalError -----------


def _tencent_json(action: str, body: bytes) -> None:
    _restore_keys()
    answer, routed = call("POST", b"", tc3(action, body), body)
    check_answer(answer, routed)


@settings(FUZZ, max_examples=max(1, FUZZ.max_examples // 4))
@given(data=st.data(), action=st.sampled_from(TENCENT_ACTIONS))
@example(data=None, action="ListKeys")
def test_ill_typed_tencent_json_gets_a_parameter_error(
    data: st.DataObject | None, action: str
) -> None:
    params = (
        {"Offset": float("inf")} if data is None else data.draw(tencent_params(action, ANY_JSON))
    )
    _tencent_json(action, json.dumps(params).encode())


@pytest.mark.parametrize(
    ("action", "body"),
    [
        pytest.param("ListKeys", b'{"Offset": Infinity}', id="infinity"),
        pytest.param("CreateKey", b'{"Alias": "ALIAS", "Description": "\\ud800"}', id="surrogate"),
        pytest.param(
            "Encrypt",
            b'{"KeyId": "KEY", "Plaintext": "aGk=", "EncryptionContext": '
            b'"{\\"a\\":\\"\\ud800\\"}"}',
            id="surrogate-in-context",
        ),
        pytest.param("DescribeKeys", b'{"KeyIds": [{"a": "b"}]}', id="object-in-a-list"),
        pytest.param(
            "CreateKey", b'{"Alias": "ALIAS", "Description": 5}', id="integer-description"
        ),
        pytest.param(
            "CreateKey", b'{"Alias": "ALIAS", "Description": ["d"]}', id="list-description"
        ),
        pytest.param("Encrypt", b'{"KeyId": ' + b"[" * 5000 + b"]" * 5000 + b"}", id="deep"),
    ],
)
def test_the_known_malformed_tencent_json_gets_a_parameter_error(action: str, body: bytes) -> None:
    body = body.replace(b"KEY", served().tencent_key.encode())
    _tencent_json(action, body.replace(b"ALIAS", f"s{uuid.uuid4().hex[:12]}".encode()))


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"KeyIds.0": "x", "KeyIds.0.a": "y"}, id="item-then-object"),
        pytest.param({"KeyIds.0.a": "y", "KeyIds.0": "x"}, id="object-then-item"),
    ],
)
def test_a_v1_list_index_that_is_both_item_and_object_gets_a_parameter_error(
    fields: dict[str, str],
) -> None:
    """Bug (e), fixed: ``InvalidParameter`` naming the index (Tencent's common error list:
    a parameter error, format included), never ``InternalError``."""
    body = tencent_v1({"Action": "DescribeKeys", **fields})
    headers = [(b"host", HOST.encode()), (b"content-type", b"application/x-www-form-urlencoded")]
    answer, routed = call("POST", b"", headers, body)
    assert check_answer(answer, routed) == "tencent: InvalidParameter"
    assert "KeyIds.0 is both a value and an object" in answer.body.decode()
