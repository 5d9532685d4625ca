"""Tencent KMS 2019-01-18 over the wire, as ``tencentcloud-sdk-python`` speaks it.

Signatures: TC3-HMAC-SHA256 (POST JSON or GET query) and the v1 ``HmacSHA1`` /
``HmacSHA256`` (form body or query), each checked against the emulator's
credentials, with Tencent's 5-minute timestamp window and (v1) nonce reuse
refused. Every answer is HTTP 200 with ``Content-Type: application/json``
exactly: the SDK misses errors under any other content type.
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

from unikms.dialects.tencent import rules as rules_module
from unikms.emulator.credentials import AccessKey, EmulatorCredentials
from unikms.emulator.wire import ReplayGuard, Request, Response, load_json_object, new_request_id
from unikms.errors import UnsupportedByDialectError
from unikms.fake.service import FakeService
from unikms.native import NativeError

__all__ = ["MalformedForm", "TencentProtocol"]

RULES = rules_module.RULES
VERSION = "2019-01-18"
SKEW_SECONDS = 300
_COMMON_V1 = {
    "Action", "Version", "Region", "Timestamp", "Nonce", "SecretId", "Signature",
    "SignatureMethod", "Token", "Language", "RequestClient",
}  # fmt: skip
_MAX_TIMESTAMP_DIGITS = 12  # seconds since 1970: 10 digits until the year 2286
_TC3 = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[^/]+)"
    r"/tc3_request, ?SignedHeaders=(?P<headers>[^,]+), ?Signature=(?P<sig>[0-9a-f]+)$"
)


def _same(expected: str, given: str) -> bool:
    """Constant-time comparison that takes any text (compare_digest refuses non-ASCII str)."""
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


class MalformedForm(ValueError):
    """A GET/v1 form whose flattened names do not make one value each: the caller answers
    ``InvalidParameter`` naming the field (Tencent's common error list, T14 in
    ``docs/dialects.md``: InvalidParameter is "a parameter error, including errors of
    parameter format and type")."""


def unflatten(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``KeyIds.0=a&KeyIds.1=b`` -> ``{"KeyIds": ["a", "b"]}`` (the SDK's GET/v1 lists).

    An index that is both an item and an object (``KeyIds.0=x&KeyIds.0.a=y``) is not
    one value:

    >>> unflatten([("KeyIds.0", "x"), ("KeyIds.0.a", "y")])
    Traceback (most recent call last):
    unikms.dialects.tencent.wire.MalformedForm: KeyIds.0 is both a value and an object
    """
    out: dict[str, Any] = {}
    lists: dict[str, dict[int, Any]] = {}
    for name, value in pairs:
        head, dot, rest = name.partition(".")
        index = rest.partition(".")[0]
        if dot and index.isdigit():
            sub = rest.partition(".")[2]
            slot = lists.setdefault(head, {})
            item = slot.get(int(index))
            if sub:
                if item is None:
                    item = slot[int(index)] = {}
                elif not isinstance(item, dict):
                    raise MalformedForm(f"{head}.{index} is both a value and an object")
                item[sub] = value
            else:
                if isinstance(item, dict):
                    raise MalformedForm(f"{head}.{index} is both a value and an object")
                slot[int(index)] = value
        else:
            out[name] = value
    for head, slots in lists.items():
        out[head] = [slots[i] for i in sorted(slots)]
    return out


def _port_less(host: str) -> str:
    """``host`` without a ``:port`` suffix (``[::1]:80`` -> ``[::1]``)."""
    name, colon, port = host.rpartition(":")
    return name if colon and port.isdigit() and not name.endswith(":") else host


class _AuthError(Exception):
    def __init__(self, code: str) -> None:
        self.code = code


class TencentProtocol:
    """Serves a :class:`~unikms.dialects.tencent.fake.TencentService` over HTTP."""

    name = "tencent"

    def __init__(
        self,
        service: FakeService,
        credentials: EmulatorCredentials,
        on_change: Callable[[str], None] | None = None,
        *,
        signed_headers: frozenset[str] | None = None,
    ) -> None:
        self.service = service
        self.credentials = credentials
        self.on_change = on_change
        self.nonces = ReplayGuard(SKEW_SECONDS * 2)
        #: headers a TC3 signature must cover besides what the protocol needs (none: the
        #: SDK signs only ``content-type;host``, so ``X-TC-Action`` can be swapped in a
        #: captured request; ``unikms serve --tc3-sign-action`` asks for it)
        self.signed_headers = signed_headers or frozenset()

    def matches(self, request: Request) -> bool:
        if "x-tc-action" in request.headers:
            return True
        if request.header("authorization").startswith("TC3-"):
            return True
        names = {k for k, _ in request.query_params()} | {k for k, _ in request.form_params()}
        return "SecretId" in names

    # -- answers ------------------------------------------------------------------
    def _answer(self, payload: dict[str, Any]) -> Response:
        body = json.dumps({"Response": payload}).encode()
        return Response(200, body, "application/json", request_id=str(payload.get("RequestId", "")))

    def error(
        self, code: str, request_id: str | None = None, message: str | None = None, **fmt: object
    ) -> Response:
        spec = RULES.errors.get(code)
        text = message or (spec.native(None, **fmt).message if spec else code)
        return self._answer(
            {"Error": {"Code": code, "Message": text}, "RequestId": request_id or new_request_id()}
        )

    def internal_error(self, request: Request) -> Response:
        return self.error("InternalError")

    def too_large(self, request: Request) -> Response:
        return self.error("InvalidParameter", name="request body too large")

    # -- the request --------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        try:
            action, params = self._authenticate(request)
        except _AuthError as err:
            return self.error(err.code)
        except MalformedForm as err:
            return self.error("InvalidParameter", name=str(err))
        except ValueError as err:  # UnicodeDecodeError included; neither quotes the body
            detail = "not UTF-8" if isinstance(err, UnicodeDecodeError) else str(err)
            return self.error(
                "InvalidParameter", name=f"the request body is not valid JSON: {detail}"
            )
        if not action:
            return self.error("MissingParameter", name="Action")
        try:
            result = self.service.call(action, params)
        except NativeError as err:
            return self.error(err.code, err.request_id, err.message)
        except UnsupportedByDialectError as err:  # a documented feature the fake lacks
            return self.error("UnsupportedOperation", message=err.message)
        if self.on_change is not None:
            self.on_change(action)
        return self._answer(result)

    def _authenticate(self, request: Request) -> tuple[str, dict[str, Any]]:
        auth = request.header("authorization")
        if auth.startswith("TC3-"):
            return self._tc3(request, auth)
        pairs = request.query_params() if request.method == "GET" else request.form_params()
        if any(k == "Signature" for k, _ in pairs):
            return self._v1(request, pairs)
        raise _AuthError("AuthFailure.InvalidAuthorization")

    def _secret(self, secret_id: str, token: str) -> AccessKey:
        secret = self.credentials.access_key("tencent", secret_id)
        if secret is None:
            raise _AuthError("AuthFailure.SecretIdNotFound")
        if (secret.token or "") != token:
            raise _AuthError("AuthFailure.TokenFailure")
        return secret

    def _check_time(self, stamp: str) -> int:
        if not (stamp.isascii() and stamp.isdigit()):
            raise _AuthError("AuthFailure.SignatureFailure")
        if len(stamp) > _MAX_TIMESTAMP_DIGITS:  # far outside the window, and int() would refuse
            raise _AuthError("AuthFailure.SignatureExpire")
        when = int(stamp)
        if abs(time.time() - when) > SKEW_SECONDS:
            raise _AuthError("AuthFailure.SignatureExpire")
        return when

    def _tc3(self, request: Request, auth: str) -> tuple[str, dict[str, Any]]:
        m = _TC3.match(auth)
        if m is None:
            raise _AuthError("AuthFailure.InvalidAuthorization")
        secret = self._secret(m["id"], request.header("x-tc-token"))
        stamp = self._check_time(request.header("x-tc-timestamp"))
        date = datetime.fromtimestamp(stamp, tz=timezone.utc).strftime("%Y-%m-%d")
        if date != m["date"]:
            raise _AuthError("AuthFailure.SignatureFailure")
        signed = m["headers"].split(";")
        if self.signed_headers and not self.signed_headers.issubset(signed):
            raise _AuthError("AuthFailure.SignatureFailure")
        if request.header("x-tc-content-sha256") == "UNSIGNED-PAYLOAD":
            payload_hash = hashlib.sha256(b"UNSIGNED-PAYLOAD").hexdigest()
        else:
            payload_hash = hashlib.sha256(request.body).hexdigest()
        query = request.query.decode("latin-1") if request.method == "GET" else ""
        scope = f"{m['date']}/{m['service']}/tc3_request"
        k_date = _hmac(("TC3" + secret.secret).encode("utf-8"), m["date"])
        k_signing = _hmac(_hmac(k_date, m["service"]), "tc3_request")

        def signature(host: str) -> str:
            canonical_headers = "".join(
                f"{h}:{(host if h == 'host' else request.header(h)).strip().lower()}\n"
                for h in signed
            )
            canonical = (
                f"{request.method}\n/\n{query}\n{canonical_headers}\n{m['headers']}\n{payload_hash}"
            )
            to_sign = (
                f"TC3-HMAC-SHA256\n{stamp}\n{scope}\n"
                + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
            )
            return hmac.new(k_signing, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()

        host = request.header("host")
        if not _same(signature(host), m["sig"]) and not (
            # the emulator's one leniency: tencentcloud-sdk-nodejs signs the host without
            # the port it sends in Host (docs/emulator.md)
            "host" in signed
            and _port_less(host) != host
            and _same(signature(_port_less(host)), m["sig"])
        ):
            raise _AuthError("AuthFailure.SignatureFailure")
        version = request.header("x-tc-version")
        if version and version != VERSION:
            raise _AuthError("NoSuchVersion")
        if request.method == "GET":
            params = unflatten(request.query_params())
        else:
            params = load_json_object(request.body)
        return request.header("x-tc-action"), params

    def _v1(self, request: Request, pairs: list[tuple[str, str]]) -> tuple[str, dict[str, Any]]:
        fields = dict(pairs)
        secret = self._secret(fields.get("SecretId", ""), fields.get("Token", ""))
        self._check_time(fields.get("Timestamp", ""))
        method = fields.get("SignatureMethod", "HmacSHA1")
        digest = {"HmacSHA1": hashlib.sha1, "HmacSHA256": hashlib.sha256}.get(method)
        if digest is None:
            raise _AuthError("AuthFailure.SignatureFailure")
        signed = sorted((k.replace("_", "."), v) for k, v in pairs if k != "Signature")
        host = request.header("host")
        to_sign = f"{request.method}{host}/?" + "&".join(f"{k}={v}" for k, v in signed)
        expected = base64.b64encode(
            hmac.new(secret.secret.encode("utf-8"), to_sign.encode("utf-8"), digest).digest()
        ).decode()
        if not _same(expected, fields.get("Signature", "")):
            raise _AuthError("AuthFailure.SignatureFailure")
        # Nonce "used in conjunction with Timestamp to prevent replay attacks" (Tencent's
        # common parameters). tencentcloud-sdk-nodejs draws it from 0..65535, so two honest
        # requests of one second share it about once in 65536 pairs (a flaky failure in
        # the suite's Node lifecycle): a replay is the *same* request again, so the key
        # also holds a digest of its signature (never the signature: --state keeps these)
        signature_digest = hashlib.sha256(fields.get("Signature", "").encode()).hexdigest()[:32]
        replay_key = (
            f"{secret.key_id}:{fields.get('Timestamp', '')}:{fields.get('Nonce', '')}:"
            f"{signature_digest}"
        )
        if not self.nonces.fresh(replay_key):
            raise _AuthError("AuthFailure.SignatureFailure")
        if fields.get("Version", VERSION) != VERSION:
            raise _AuthError("NoSuchVersion")
        params = unflatten([(k, v) for k, v in pairs if k not in _COMMON_V1])
        return fields.get("Action", "") or request.header("x-tc-action"), params
