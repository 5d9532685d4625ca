"""``aws-kms://<region>``: AWS KMS through boto3 (``pip install 'unikms[aws]'``).

>>> import unikms
>>> kms = unikms.connect("aws-kms://us-east-1", endpoint="http://127.0.0.1:1",
...                      access_key_id="AKIAEXAMPLE", secret_access_key="secret")
>>> kms.dialect.value
'aws'

Credentials come from botocore's own chain (:data:`CREDENTIAL_CHAIN`) unless
``access_key_id`` and ``secret_access_key`` (and ``session_token``) are given, or
``profile`` names a profile of the shared files. They never appear in a repr or an
error; with none, ``connect`` raises one :class:`ConfigurationError` naming every
link of the chain. Retries are unikms's (botocore's are off: one attempt each),
timeouts are finite, proxies come from the environment except for a loopback
endpoint (an emulator), which is never proxied.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from unikms_adapters import _fork
from unikms_adapters._common import (
    AdapterOptions,
    Endpoint,
    adapter_options,
    missing_sdk,
    refuse_unknown,
    required_host,
    retryable,
)

from unikms.dialects.aws import rules as rules_module
from unikms.errors import ConfigurationError, InvalidRequestError
from unikms.native import NativeError, NativeParams, NativeResponse
from unikms.types import Dialect

__all__ = ["CREDENTIAL_CHAIN", "AwsKmsDriver", "open_url"]

RULES = rules_module.RULES
#: request members that are blobs (Base64 text natively, bytes for boto3)
_BLOB_PARAMS = ("Plaintext", "CiphertextBlob", "Message", "Signature")
#: answer fields an action must carry (an answer missing one is no answer to it)
_REQUIRED = {
    "Encrypt": ("KeyId", "CiphertextBlob"),
    "Decrypt": ("KeyId", "Plaintext"),
    "GenerateDataKey": ("KeyId", "CiphertextBlob", "Plaintext"),
    "GenerateDataKeyWithoutPlaintext": ("KeyId", "CiphertextBlob"),
    "ReEncrypt": ("KeyId", "CiphertextBlob"),
    "CreateKey": ("KeyMetadata",),
    "DescribeKey": ("KeyMetadata",),
    "GenerateRandom": ("Plaintext",),
    "Sign": ("KeyId", "Signature"),
    "Verify": ("KeyId", "SignatureValid"),
    "GetPublicKey": ("KeyId", "PublicKey"),
}

#: fields an answer to the action never has (another action's answer has them)
_NEVER = {
    "Encrypt": ("Plaintext",),
    "GenerateDataKeyWithoutPlaintext": ("Plaintext",),
    "Decrypt": ("CiphertextBlob",),
    "ReEncrypt": ("Plaintext",),
}


def _check_answer(
    dialect: Dialect,
    action: str,
    params: Mapping[str, Any],
    answer: Mapping[str, Any],
    request_id: object,
) -> None:
    """Raise a transport :class:`NativeError` (``AnswerMismatch``) unless ``answer`` can be the
    answer to ``params``: it has its action's fields and none only another action's
    answer has; its ``KeyId`` (a key ARN) is the key the request named by id or key ARN,
    and at least a key ARN when the request named an alias."""

    def mismatch(what: str) -> NativeError:
        return NativeError(
            "AnswerMismatch",
            f"the answer to {action} does not belong to this request ({what}); nothing from "
            "it was used",
            0,
            str(request_id) if request_id else None,
            origin="transport",
        )

    for name in _REQUIRED.get(action, ()):
        if name not in answer:
            raise mismatch(f"it has no {name}")
    for name in _NEVER.get(action, ()):
        if name in answer:
            raise mismatch(f"it has {name}")
    named = params.get("DestinationKeyId" if action == "ReEncrypt" else "KeyId")
    got = answer.get("KeyId")
    if not isinstance(named, str) or got is None or action not in _REQUIRED:
        return
    if not isinstance(got, str) or not rules_module.ARN_PATTERN.fullmatch(got):
        raise mismatch("its KeyId is no key ARN")
    by_key = rules_module.KEY_ID_PATTERN.fullmatch(named) or ":key/" in named
    if by_key and rules_module.key_id_of(got) != rules_module.key_id_of(named):
        raise mismatch("it names another key")


#: what botocore's credential chain tries, in order (botocore/credentials.py)
CREDENTIAL_CHAIN = (
    "environment AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN); "
    "AWS_PROFILE's assume-role, web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN), "
    "SSO, the shared files ~/.aws/credentials and ~/.aws/config, credential_process; "
    "the container (ECS/EKS) and EC2 instance metadata endpoints"
)


def _native(value: Any) -> Any:
    """A boto3 answer as native JSON members: bytes as Base64, times as Unix seconds (what
    the fake answers, and the types :mod:`unikms.dialects.aws.api` declares)."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _native(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_native(v) for v in value]
    return value


def _text_headers(request: Any, **_: Any) -> None:
    """Header values as text, as every other adapter sends them: botocore hands urllib3
    bytes, which HTTP recorders (vcrpy's request filters) cannot read. Runs after
    signing, and changes no byte on the wire."""
    for name, value in list(request.headers.items()):
        if isinstance(value, bytes):
            request.headers[name] = value.decode("latin-1")


class AwsKmsDriver:
    """A :class:`unikms.driver.Driver` over ``boto3.client("kms")``."""

    dialect = Dialect("aws")

    def __init__(
        self,
        region: str,
        *,
        endpoint: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        session_token: str | None = None,
        profile: str | None = None,
        options: AdapterOptions | None = None,
    ) -> None:
        try:
            import boto3
            from botocore import xform_name
            from botocore.config import Config
        except ImportError as err:
            raise missing_sdk(self.dialect, "aws", err) from None
        self.region = region
        self.options = options or AdapterOptions()
        self.endpoint = Endpoint.parse(endpoint) if endpoint else None
        if (access_key_id or secret_access_key) and not (access_key_id and secret_access_key):
            raise InvalidRequestError(
                "pass both access_key_id and secret_access_key, or neither (to use botocore's "
                "credential chain)",
                field="secret_access_key" if access_key_id else "access_key_id",
                dialect=self.dialect,
            )
        session = boto3.session.Session(
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            aws_session_token=session_token,
            region_name=region,
            profile_name=profile,
        )
        if session.get_credentials() is None:
            raise ConfigurationError(
                f"no AWS credentials: set one of botocore's credential chain: {CREDENTIAL_CHAIN}; "
                "or pass access_key_id and secret_access_key",
                field="access_key_id",
                dialect=self.dialect,
            )
        config = Config(
            connect_timeout=self.options.connect_timeout,
            read_timeout=self.options.read_timeout,
            retries={"total_max_attempts": 1},  # retries happen in call()
            # a loopback endpoint (an emulator) is never proxied; others keep the environment's
            proxies={} if self.endpoint is not None and self.endpoint.loopback else None,
        )
        url = self.endpoint.url if self.endpoint is not None else None

        def new_client() -> Any:
            client = session.client("kms", region_name=region, endpoint_url=url, config=config)
            client.meta.events.register("before-send.kms.*", _text_headers)
            return client

        self._new_client: Callable[[], Any] = new_client
        self._client = self._new_client()
        self._method = xform_name
        self._client_error, self._transport_errors, self._param_error = _sdk_exceptions()
        _fork.track(self)

    def __repr__(self) -> str:
        where = self.endpoint.url if self.endpoint is not None else "the public endpoint"
        return f"AwsKmsDriver(region={self.region!r}, endpoint={where!r})"

    def call(self, action: str, params: NativeParams) -> NativeResponse:
        """One native call, retried per the policy (throttling; transport if idempotent)."""
        return self.options.retry.run(lambda: self._once(action, params), retryable(action, RULES))

    def _once(self, action: str, params: NativeParams) -> NativeResponse:
        request = dict(params)
        for name in _BLOB_PARAMS:
            if isinstance(request.get(name), str):
                request[name] = base64.b64decode(request[name])
        method = getattr(self._client, self._method(action), None)
        if method is None:
            raise NativeError("UnknownOperationException", f"boto3 has no KMS {action}", 400)
        try:
            answer = method(**request)
        except self._client_error as exc:
            response: Mapping[str, Any] = getattr(exc, "response", {}) or {}
            error = response.get("Error") or {}
            meta = response.get("ResponseMetadata") or {}
            raise NativeError(
                str(error.get("Code") or "KMSInternalException"),
                str(error.get("Message") or ""),
                int(meta.get("HTTPStatusCode") or 500),
                meta.get("RequestId"),
            ) from None
        except self._param_error as exc:  # botocore's own check of the request
            raise NativeError("ValidationException", str(exc).strip(), 400) from None
        except self._transport_errors as exc:
            raise NativeError(
                type(exc).__name__,
                f"AWS KMS at {self.endpoint.url if self.endpoint else self.region} did not "
                f"answer ({type(exc).__name__})",
                0,
                origin="transport",
            ) from None
        meta = answer.pop("ResponseMetadata", {}) or {}
        out: dict[str, Any] = _native(answer)
        _check_answer(self.dialect, action, params, out, meta.get("RequestId"))
        out["RequestId"] = meta.get("RequestId") or ""
        return out

    def close(self) -> None:
        """Close the client's connection pool."""
        close = getattr(self._client, "close", None)
        if close is not None:
            close()

    def reset_after_fork(self) -> None:
        """In a forked child: a new client, so no connection of the parent's is used."""
        self._client = self._new_client()


def _sdk_exceptions() -> tuple[type[Exception], tuple[type[Exception], ...], type[Exception]]:
    from botocore import exceptions

    transport: tuple[type[Exception], ...] = (
        exceptions.EndpointConnectionError,
        exceptions.ConnectTimeoutError,
        exceptions.ReadTimeoutError,
        exceptions.ConnectionClosedError,
        exceptions.ProxyConnectionError,
        exceptions.HTTPClientError,
    )
    return exceptions.ClientError, transport, exceptions.ParamValidationError


def open_url(parts: Any, options: dict[str, str]) -> AwsKmsDriver:
    """The ``aws-kms://<region>`` opener for :func:`unikms.connect`.

    Options: ``endpoint`` (host[:port] or URL; default the Region's public endpoint),
    ``access_key_id``/``secret_access_key``/``session_token`` or ``profile`` (else
    botocore's credential chain), ``connect_timeout``/``read_timeout`` (seconds),
    ``retries``, ``retry_base_delay``, ``retry_max_delay``.
    """
    region = required_host(parts, Dialect("aws"), "a Region", "aws-kms://us-east-1")
    opts = adapter_options(options)
    kwargs = {
        name: options.pop(name, None)
        for name in ("endpoint", "access_key_id", "secret_access_key", "session_token", "profile")
    }
    refuse_unknown(
        "aws-kms",
        options,
        "endpoint, access_key_id, secret_access_key, session_token, profile, connect_timeout, "
        "read_timeout, retries, retry_base_delay, retry_max_delay, strict",
    )
    return AwsKmsDriver(
        region,
        endpoint=kwargs["endpoint"],
        access_key_id=kwargs["access_key_id"],
        secret_access_key=kwargs["secret_access_key"],
        session_token=kwargs["session_token"],
        profile=kwargs["profile"],
        options=opts,
    )
