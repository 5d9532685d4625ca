"""AWS KMS over the wire as boto3, the AWS CLI and the AWS Encryption SDK speak it:
the JSON 1.1 protocol (``POST /``, ``X-Amz-Target: TrentService.<Action>``,
``Content-Type: application/x-amz-json-1.1``) signed with Signature Version 4.

Every request's SigV4 signature is checked against the emulator's credentials
(family ``aws``): the credential scope (date, service ``kms``, ``aws4_request``),
the signed headers (``host`` must be one), the payload hash, and the time stamp,
which must be within five minutes of the emulator's clock. Errors answer as AWS's
JSON services do: ``{"__type": "<code>", "message": "<text>"}`` with the code's
documented HTTP status and an ``x-amzn-RequestId`` header (docs/dialects-aws.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from datetime import datetime, timezone
from urllib.parse import parse_qsl, quote

from unikms.dialects.aws import rules as rules_module
from unikms.emulator.credentials import EmulatorCredentials
from unikms.emulator.wire import Request, Response, load_json_object, new_request_id
from unikms.errors import UnsupportedByDialectError
from unikms.fake.service import FakeService
from unikms.native import NativeError

__all__ = ["TARGET_PREFIX", "AwsJsonProtocol", "signing_key"]

RULES = rules_module.RULES
TARGET_PREFIX = "TrentService."
CONTENT_TYPE = "application/x-amz-json-1.1"
SERVICE = "kms"
#: "a request must reach AWS within five minutes of the time stamp in the request"
SKEW_SECONDS = 300
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 +Credential=(?P<id>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)"
    r"/(?P<service>[^/,\s]+)/(?P<term>[^,\s]+), *SignedHeaders=(?P<headers>[^,\s]+), *"
    r"Signature=(?P<sig>[0-9a-f]{64})$"
)
_SPACES = re.compile(r"\s+")


class _AuthError(Exception):
    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str = SERVICE) -> bytes:
    """SigV4's derived key: HMAC chain over date, region, service and ``aws4_request``."""
    k_date = _hmac(("AWS4" + secret).encode("utf-8"), date)
    return _hmac(_hmac(_hmac(k_date, region), service), "aws4_request")


def _amz_time(text: str) -> float:
    return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc).timestamp()


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _canonical_query(raw: bytes) -> str:
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    encoded = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


class AwsJsonProtocol:
    """Serves an :class:`~unikms.dialects.aws.fake.AwsService` over AWS JSON 1.1."""

    name = "aws"

    def __init__(
        self,
        service: FakeService,
        credentials: EmulatorCredentials,
        on_change: Callable[[str], None] | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.service = service
        self.credentials = credentials
        self.on_change = on_change
        self.clock = clock

    def matches(self, request: Request) -> bool:
        return request.header("x-amz-target").startswith(TARGET_PREFIX) or request.header(
            "authorization"
        ).startswith("AWS4-HMAC-SHA256")

    # -- answers ------------------------------------------------------------------
    def error(
        self, code: str, message: str | None = None, request_id: str | None = None
    ) -> Response:
        spec = RULES.errors.get(code)
        status = spec.http_status if spec else 400
        if message is None:
            message = spec.native(None, detail=code, name="request").message if spec else code
        doc: dict[str, str] = {"__type": code}
        if message:
            doc["message"] = message
        rid = request_id or new_request_id()
        return Response(
            status,
            json.dumps(doc).encode(),
            CONTENT_TYPE,
            headers=(("x-amzn-RequestId", rid),),
            request_id=rid,
        )

    def internal_error(self, request: Request) -> Response:
        return self.error("KMSInternalException")

    def too_large(self, request: Request) -> Response:
        return self.error(
            "ValidationException",
            "1 validation error detected: the request body is larger than the emulator takes",
        )

    # -- the request --------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        try:
            self._authenticate(request)
        except _AuthError as err:
            return self.error(err.code, err.message)
        target = request.header("x-amz-target")
        if not target.startswith(TARGET_PREFIX):
            return self.error(
                "UnknownOperationException", "The request names no TrentService operation."
            )
        action = target[len(TARGET_PREFIX) :]
        try:  # a JSON object of finite numbers and Unicode text (no lone surrogates)
            params = load_json_object(request.body)
        except ValueError as err:
            return self.error("SerializationException", f"The request body is not valid: {err}.")
        try:
            result = dict(self.service.call(action, params))
        except NativeError as err:
            return self.error(err.code, err.message, err.request_id)
        except UnsupportedByDialectError as err:
            return self.error("UnsupportedOperationException", err.message)
        if self.on_change is not None:
            self.on_change(action)
        rid = str(result.pop("RequestId", "") or new_request_id())
        return Response(
            200,
            json.dumps(result).encode(),
            CONTENT_TYPE,
            headers=(("x-amzn-RequestId", rid),),
            request_id=rid,
        )

    # -- SigV4 ----------------------------------------------------------------------
    def _authenticate(self, request: Request) -> None:
        auth = request.header("authorization")
        if not auth:
            raise _AuthError("MissingAuthenticationTokenException")
        m = _AUTH.match(auth)
        if m is None:
            raise _AuthError(
                "IncompleteSignatureException",
                f"Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' "
                f"parameters of AWS4-HMAC-SHA256. Authorization={auth.split(' ', 1)[0]}",
            )
        key = self.credentials.access_key("aws", m["id"])
        if key is None or (key.token or "") != request.header("x-amz-security-token"):
            raise _AuthError("UnrecognizedClientException")
        signed = m["headers"].split(";")
        if "host" not in signed:
            raise _AuthError(
                "IncompleteSignatureException",
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
            )
        amz_date = request.header("x-amz-date")
        if not amz_date:
            raise _AuthError(
                "IncompleteSignatureException",
                "Authorization header requires existence of either a 'X-Amz-Date' or a "
                "'Date' header.",
            )
        try:
            when = _amz_time(amz_date)
        except ValueError:
            raise _AuthError(
                "IncompleteSignatureException", f"Date must be in ISO-8601 basic format: {amz_date}"
            ) from None
        if m["date"] != amz_date[:8]:
            raise _AuthError(
                "InvalidSignatureException",
                f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                f"date from HTTP: '{m['date']}' != '{amz_date[:8]}', from '{amz_date}'.",
            )
        if m["service"] != SERVICE:
            raise _AuthError(
                "InvalidSignatureException",
                f"Credential should be scoped to correct service: '{SERVICE}'. ",
            )
        if m["term"] != "aws4_request":
            raise _AuthError(
                "InvalidSignatureException",
                "Credential should be scoped with a valid terminator: 'aws4_request', "
                f"not '{m['term']}'.",
            )
        now = self.clock()
        if when < now - SKEW_SECONDS:
            raise _AuthError(
                "InvalidSignatureException",
                f"Signature expired: {amz_date} is now earlier than {_stamp(now - SKEW_SECONDS)} "
                f"({_stamp(now)} - 5 min.)",
            )
        if when > now + SKEW_SECONDS:
            raise _AuthError(
                "InvalidSignatureException",
                f"Signature not yet current: {amz_date} is still later than "
                f"{_stamp(now + SKEW_SECONDS)} ({_stamp(now)} + 5 min.)",
            )
        # the hash of the body as it came: KMS, unlike S3, takes no UNSIGNED-PAYLOAD, and an
        # x-amz-content-sha256 header cannot vouch for bytes the signature did not cover
        payload = hashlib.sha256(request.body).hexdigest()
        headers = "".join(f"{h}:{_SPACES.sub(' ', request.header(h).strip())}\n" for h in signed)
        canonical = "\n".join(
            (
                request.method,
                request.path or "/",
                _canonical_query(request.query),
                headers,
                m["headers"],
                payload,
            )
        )
        scope = f"{m['date']}/{m['region']}/{m['service']}/{m['term']}"
        to_sign = "\n".join(
            (
                "AWS4-HMAC-SHA256",
                amz_date,
                scope,
                hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
            )
        )
        k_signing = signing_key(key.secret, m["date"], m["region"])
        expected = hmac.new(k_signing, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, m["sig"]):
            raise _AuthError("InvalidSignatureException")
