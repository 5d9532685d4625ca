"""Alibaba KMS OpenAPI 2016-01-20 over the wire, as ``alibabacloud-kms20160120`` speaks it.

Parameters arrive in the query string even on POST, in a form body, or split
between both (``@alicloud/pop-core`` in POST mode sends everything, ``Signature``
and ``AccessKeyId`` included, in the form body); they are merged, as the v1
signature covers them merged. Signatures: ACS3-HMAC-SHA256 (the SDK's default;
ACS3-HMAC-SM3 too where the local OpenSSL has SM3), the old v1 RPC HMAC-SHA1 and
ACS4-HMAC-SHA256, each checked against the emulator's access keys, with a
15-minute timestamp window and reused nonces refused. Answers are JSON, or XML
when the request asks ``Format=XML`` (``<ActionResponse>`` and ``<Error>``, as
the service and ``docs/emulator.md`` describe). Errors: 4xx/5xx.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from unikms.dialects.alibaba import classic as rules_module
from unikms.emulator.credentials import AccessKey, EmulatorCredentials
from unikms.emulator.wire import ReplayGuard, Request, Response, new_request_id
from unikms.fake.service import FakeService
from unikms.native import NativeError

__all__ = ["SIGNATURE_MISMATCH_PREFIX", "AlibabaClassicProtocol", "percent_encode", "to_xml"]

RULES = rules_module.RULES
VERSION = "2016-01-20"
SKEW_SECONDS = 15 * 60
_V1_COMMON = {
    "Action", "Format", "Version", "Timestamp", "SignatureNonce", "SignatureMethod",
    "SignatureVersion", "AccessKeyId", "SecurityToken", "Signature", "SignatureType",
    "RegionId",
}  # fmt: skip
_AUTH = re.compile(
    r"^(?P<alg>ACS[34]-[A-Z0-9-]+) Credential=(?P<cred>[^,]+),\s*SignedHeaders=(?P<headers>[^,]+),"
    r"\s*Signature=(?P<sig>[0-9a-fA-F]+)$"
)
_HASHES: dict[str, str] = {"ACS3-HMAC-SHA256": "sha256", "ACS3-HMAC-SM3": "sm3"}
#: headers a signature must cover (the SDKs always sign them): an unsigned date or
#: nonce could be changed to replay a captured request
_SIGNED_V3 = frozenset({"host", "x-acs-date", "x-acs-signature-nonce"})
_SIGNED_V4 = frozenset({"host", "x-acs-date"})


_RESERVED_ASCII = re.compile(r"[^A-Za-z0-9\-._~]")
_ESCAPES = {chr(c): f"%{c:02X}" for c in range(128)}


def percent_encode(text: str) -> str:
    """RFC 3986: everything but ``A-Z a-z 0-9 - . _ ~`` as ``%XX`` (UTF-8 bytes).

    >>> percent_encode("a b/c+é")
    'a%20b%2Fc%2B%C3%A9'
    """
    if text.isascii():  # the common case: only the few reserved characters cost a call
        return _RESERVED_ASCII.sub(lambda m: _ESCAPES[m.group()], text)
    return quote(text, safe="-._~")


def _same(expected: str, given: str) -> bool:
    """Constant-time comparison that takes any text (compare_digest refuses non-ASCII str)."""
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def _digest(name: str, data: bytes) -> str:
    return hashlib.new(name, data).hexdigest()


class _AuthError(Exception):
    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message


#: the v1 SignatureDoesNotMatch message: the service's text, then the string it signed
#: (aliyun-python-sdk-core splits the message on ":" and compares the part after it
#: with its own string to sign; Alibaba's Go SDK strips this same prefix)
SIGNATURE_MISMATCH_PREFIX = (
    "Specified signature is not matched with our calculation. server string to sign is:"
)


def _xml_value(name: str, value: object) -> str:
    """One XML element per name; a list repeats its element (``<Key>..</Key><Key>..</Key>``)."""
    if isinstance(value, list):
        return "".join(_xml_value(name, item) for item in value)
    if isinstance(value, dict):
        inner = "".join(_xml_value(k, v) for k, v in value.items())
    elif isinstance(value, bool):
        inner = "true" if value else "false"
    elif value is None:
        inner = ""
    else:
        inner = escape(str(value))
    return f"<{name}>{inner}</{name}>"


def to_xml(root: str, doc: dict[str, Any]) -> bytes:
    """An answer in the service's XML form (the JSON answer's names and nesting).

    >>> to_xml("R", {"Keys": {"Key": [{"Id": "a"}, {"Id": "b"}]}, "N": 2}).decode()[38:]
    '<R><Keys><Key><Id>a</Id></Key><Key><Id>b</Id></Key></Keys><N>2</N></R>'
    """
    return ("<?xml version='1.0' encoding='UTF-8'?>" + _xml_value(root, doc)).encode("utf-8")


def _wants_xml(fields: dict[str, str]) -> bool:
    return fields.get("Format", "").upper() == "XML"


class AlibabaClassicProtocol:
    """Serves an :class:`~unikms.dialects.alibaba.fake.AlibabaClassicService` over HTTP."""

    name = "alibaba-classic"

    def __init__(
        self,
        service: FakeService,
        credentials: EmulatorCredentials,
        on_change: Callable[[str], None] | None = None,
        host_id: str = "kms.emulator.unikms",
    ) -> None:
        self.service = service
        self.credentials = credentials
        self.on_change = on_change
        self.host_id = host_id
        self.nonces = ReplayGuard(SKEW_SECONDS * 2)

    def matches(self, request: Request) -> bool:
        if "x-acs-action" in request.headers or request.header("authorization").startswith("ACS"):
            return True
        return any(k == "AccessKeyId" for k, _ in request.query_params()) or any(
            k == "AccessKeyId" for k, _ in request.form_params()
        )

    # -- answers ------------------------------------------------------------------
    def error(
        self,
        code: str,
        request_id: str | None = None,
        message: str | None = None,
        status: int | None = None,
        *,
        xml: bool = False,
        **fmt: object,
    ) -> Response:
        spec = RULES.errors.get(code)
        rid = request_id or new_request_id()
        doc = {
            "RequestId": rid,
            "HostId": self.host_id,
            "Code": code,
            "Message": message or (spec.native(None, **fmt).message if spec else code),
        }
        return Response(
            status or (spec.http_status if spec else 400),
            to_xml("Error", doc) if xml else json.dumps(doc).encode(),
            "application/xml;charset=utf-8" if xml else "application/json;charset=utf-8",
            (("x-acs-request-id", rid),),
            rid,
        )

    def internal_error(self, request: Request) -> Response:
        try:
            xml = _wants_xml(dict(request.query_params() + request.form_params()))
        except Exception:  # the request may be what broke; the answer is JSON then
            xml = False
        return self.error("InternalFailure", xml=xml)

    def too_large(self, request: Request) -> Response:
        return self.error("InvalidParameter", status=413, name="body")

    # -- the request --------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        query = request.query_params()
        form = request.form_params()
        fields = dict(query + form)
        xml = _wants_xml(fields)
        try:
            self._authenticate(request, query, form)
        except _AuthError as err:
            return self.error(err.code, message=err.message, xml=xml)
        action = request.header("x-acs-action") or fields.get("Action", "")
        version = request.header("x-acs-version") or fields.get("Version", "")
        if version != VERSION:
            return self.error("InvalidVersion", xml=xml)
        if not action:
            return self.error("MissingParameter", xml=xml, name="Action")
        params = {k: v for k, v in fields.items() if k not in _V1_COMMON}
        try:
            result = self.service.call(action, params)
        except NativeError as err:
            return self.error(err.code, err.request_id, err.message, err.http_status, xml=xml)
        if self.on_change is not None:
            self.on_change(action)
        rid = str(result["RequestId"])
        if xml:
            body = to_xml(f"{action}Response", result)
        else:
            body = json.dumps(result, ensure_ascii=False).encode("utf-8")
        return Response(
            200,
            body,
            "application/xml;charset=utf-8" if xml else "application/json;charset=utf-8",
            (("x-acs-request-id", rid),),
            rid,
        )

    def _key(self, access_key_id: str, token: str) -> AccessKey:
        key = self.credentials.access_key("alibaba", access_key_id)
        if key is None:
            raise _AuthError("InvalidAccessKeyId.NotFound")
        if (key.token or "") != token:
            raise _AuthError("InvalidSecurityToken.MismatchWithAccessKey")
        return key

    def _check_time(self, stamp: str) -> None:
        if not stamp:
            raise _AuthError("IllegalTimestamp")
        try:
            when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            raise _AuthError("IllegalTimestamp") from None
        if abs(time.time() - when.timestamp()) > SKEW_SECONDS:
            raise _AuthError("InvalidTimeStamp.Expired")

    def _nonce(self, access_key_id: str, nonce: str) -> None:
        if not nonce or not self.nonces.fresh(f"{access_key_id}:{nonce}"):
            raise _AuthError("SignatureNonceUsed")

    def _authenticate(
        self, request: Request, query: list[tuple[str, str]], form: list[tuple[str, str]]
    ) -> None:
        auth = request.header("authorization")
        if auth:
            self._acs(request, auth, query)
        elif any(k == "Signature" for k, _ in query) or any(k == "Signature" for k, _ in form):
            self._v1(request, query + form)  # the v1 signature covers both, merged
        else:
            raise _AuthError("IncompleteSignature")

    def _acs(self, request: Request, auth: str, query: list[tuple[str, str]]) -> None:
        m = _AUTH.match(auth)
        if m is None:
            raise _AuthError("IncompleteSignature")
        algorithm = m["alg"]
        v4 = algorithm == "ACS4-HMAC-SHA256"
        digest = "sha256" if v4 else _HASHES.get(algorithm)
        if digest is None:
            raise _AuthError("IncompleteSignature")
        parts = m["cred"].split("/")
        key = self._key(parts[0], request.header("x-acs-security-token"))
        self._check_time(request.header("x-acs-date"))
        try:
            body_hash = _digest(digest, request.body)
        except ValueError:  # no SM3 in this OpenSSL
            raise _AuthError("IncompleteSignature") from None
        if request.header("x-acs-content-sha256") != body_hash:
            raise _AuthError("SignatureDoesNotMatch")
        signed = m["headers"].split(";")
        if not (_SIGNED_V4 if v4 else _SIGNED_V3) <= set(signed):
            raise _AuthError("IncompleteSignature")
        if v4:
            cq = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(query))
        else:
            cq = "&".join(f"{k}={percent_encode(v)}" for k, v in sorted(query))
        ch = "".join(f"{h}:{request.header(h).strip()}\n" for h in signed)
        canonical = f"{request.method}\n/\n{cq}\n{ch}\n{m['headers']}\n{body_hash}"
        to_sign = f"{algorithm}\n{_digest(digest, canonical.encode('utf-8'))}"
        if v4:
            if len(parts) != 5:
                raise _AuthError("IncompleteSignature")
            _, day, region, product, terminal = parts
            k = hmac.new(("aliyun_v4" + key.secret).encode(), day.encode(), hashlib.sha256).digest()
            for item in (region, product, terminal):
                k = hmac.new(k, item.encode(), hashlib.sha256).digest()
            expected = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
        else:
            expected = hmac.new(key.secret.encode(), to_sign.encode(), digest).hexdigest()
        if not _same(expected.lower(), m["sig"].lower()):
            raise _AuthError("SignatureDoesNotMatch")
        self._nonce(key.key_id, request.header("x-acs-signature-nonce"))

    def _v1(self, request: Request, pairs: list[tuple[str, str]]) -> None:
        fields = dict(pairs)
        key = self._key(fields.get("AccessKeyId", ""), fields.get("SecurityToken", ""))
        self._check_time(fields.get("Timestamp", ""))
        if fields.get("SignatureMethod", "HMAC-SHA1") != "HMAC-SHA1":
            raise _AuthError("IncompleteSignature")
        signed = "&".join(
            f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(pairs) if k != "Signature"
        )
        to_sign = f"{request.method}&%2F&{percent_encode(signed)}"
        expected = base64.b64encode(
            hmac.new((key.secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
        ).decode()
        if not _same(expected, fields.get("Signature", "")):
            raise _AuthError("SignatureDoesNotMatch", SIGNATURE_MISMATCH_PREFIX + to_sign)
        self._nonce(key.key_id, fields.get("SignatureNonce", ""))
