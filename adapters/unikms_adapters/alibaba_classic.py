"""``alibaba-kms://<region>``: Alibaba KMS OpenAPI 2016-01-20 through ``alibabacloud-kms20160120``.

>>> import unikms
>>> kms = unikms.connect("alibaba-kms://cn-hangzhou", endpoint="http://127.0.0.1:1",
...                      access_key_id="ak", access_key_secret="sk")
>>> kms.dialect.value
'alibaba-classic'

Credentials come from ``alibabacloud-credentials``' default chain (environment
``ALIBABA_CLOUD_ACCESS_KEY_ID``/``..._SECRET``/``ALIBABA_CLOUD_SECURITY_TOKEN``,
the profile file, ECS RAM role, OIDC), or a named ``profile``, unless
``access_key_id`` and ``access_key_secret`` (and ``security_token``) are given.
They never appear in a repr or error.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from unikms.dialects.alibaba import classic as rules_module
from unikms.dialects.base import Situation
from unikms.errors import (
    ConfigurationError,
    InvalidRequestError,
)
from unikms.native import NativeError, NativeParams, NativeResponse
from unikms.types import Dialect
from unikms_adapters import _fork, sdk_logging
from unikms_adapters._answers import check_answer
from unikms_adapters._common import (
    AdapterOptions,
    Endpoint,
    adapter_options,
    missing_sdk,
    one_of,
    refuse_unknown,
    required_host,
    retryable,
)

__all__ = ["CREDENTIAL_CHAIN", "AlibabaClassicKmsDriver", "open_url", "snake_case"]

RULES = rules_module.RULES
SIGNATURES = {"ACS3": {}, "v1": {"signature_algorithm": "v2"}, "ACS4": {"signature_version": "v4"}}


def snake_case(action: str) -> str:
    """The SDK's method name for an action.

    >>> snake_case("GenerateDataKeyWithoutPlaintext"), snake_case("ListAliasesByKeyId")
    ('generate_data_key_without_plaintext', 'list_aliases_by_key_id')
    """
    return re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()


class AlibabaClassicKmsDriver:
    """A :class:`unikms.driver.Driver` over ``alibabacloud_kms20160120.client.Client``."""

    dialect = Dialect.ALIBABA_CLASSIC

    def __init__(
        self,
        region: str,
        *,
        endpoint: str | None = None,
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
        security_token: str | None = None,
        profile: str | None = None,
        signature: str = "ACS3",
        options: AdapterOptions | None = None,
    ) -> None:
        try:
            from alibabacloud_kms20160120 import models
            from alibabacloud_kms20160120.client import Client
            from alibabacloud_tea_openapi.models import Config
            from darabonba.runtime import RuntimeOptions
        except ImportError as err:
            raise missing_sdk(self.dialect, "alibaba", err) from None
        one_of(signature, tuple(SIGNATURES), "signature", self.dialect)
        sdk_logging.install()
        self.region = region
        self.options = options or AdapterOptions()
        self.endpoint = Endpoint.parse(endpoint or f"kms.{region}.aliyuncs.com")
        config: dict[str, Any] = {
            "endpoint": self.endpoint.host_port,
            "protocol": self.endpoint.scheme,
            "region_id": region,
            **SIGNATURES[signature],
        }
        if access_key_id or access_key_secret:
            if not (access_key_id and access_key_secret):
                raise InvalidRequestError(
                    "pass both access_key_id and access_key_secret, or neither (to use the "
                    "credential chain)",
                    field="access_key_secret" if access_key_id else "access_key_id",
                    dialect=self.dialect,
                )
            config.update(
                access_key_id=access_key_id,
                access_key_secret=access_key_secret,
                security_token=security_token,
            )
        else:
            config["credential"] = _credential_client(profile)
        self._client = Client(Config(**config))
        self._models = models
        self._runtime = RuntimeOptions(
            autoretry=False,
            connect_timeout=int(self.options.connect_timeout * 1000),
            read_timeout=int(self.options.read_timeout * 1000),
            http_proxy=self.endpoint.pinned_proxy,
        )
        _fork.on_fork_in_child(_forget_sdk_sessions)

    def __repr__(self) -> str:
        return f"AlibabaClassicKmsDriver(region={self.region!r}, endpoint={self.endpoint.url!r})"

    def call(self, action: str, params: NativeParams) -> NativeResponse:
        """One native call, retried per the policy (throttling; transport if idempotent)."""
        return self.options.retry.run(lambda: self._once(action, params), retryable(action, RULES))

    def _once(self, action: str, params: NativeParams) -> NativeResponse:
        request_cls = getattr(self._models, f"{action}Request", None)
        method = getattr(self._client, f"{snake_case(action)}_with_options", None)
        if request_cls is None or method is None:
            raise RULES.fail(Situation.UNKNOWN_ACTION, name=action)
        request = request_cls().from_map(dict(params))
        try:
            response = method(request, self._runtime)
        except Exception as exc:
            mapped = self._native_error(exc)
            if mapped is exc:
                raise
            raise mapped from None
        body: dict[str, Any] = response.body.to_map()
        check_answer(self.dialect, action, params, body)
        return body

    def _native_error(self, exc: Exception) -> Exception:
        """The SDK's exception as the service said it (or a transport error)."""
        inner = getattr(exc, "inner_exception", None)
        code = getattr(exc, "code", None)
        data = getattr(exc, "data", None) or {}
        if code is None and inner is not None and getattr(inner, "code", None):
            code, data = inner.code, getattr(inner, "data", None) or data  # ACS4 wraps errors
        if not code:
            if "CredentialException" in (type(exc).__name__, type(inner).__name__):
                reason = " ".join(sdk_logging.redact(str(inner or exc)).split())
                return NativeError(
                    "CredentialException",
                    f"Alibaba Cloud credentials could not be loaded or refreshed: {reason}",
                    0,
                    origin="credentials",
                )
            if _is_transport(exc):
                return NativeError(
                    type(exc).__name__,
                    f"Alibaba KMS at {self.endpoint.url} did not answer: {type(exc).__name__}",
                    0,
                    origin="transport",
                )
            if isinstance(inner, RuntimeError):  # the SDK could not parse the answer
                return NativeError(
                    "NotTheKmsApi",
                    f"{self.endpoint.url} answered with something that is not the KMS API",
                    0,
                    origin="answer",
                )
            return exc  # not the service, not the network: a bug, raised as it is
        status = getattr(exc, "status_code", None) or data.get("statusCode") or 400
        message = data.get("Message") or str(getattr(exc, "message", "") or code)
        request_id = getattr(exc, "request_id", None) or data.get("RequestId")
        return NativeError(str(code), str(message), int(status), request_id)

    def close(self) -> None:
        """Nothing to release: the SDK pools connections per host."""


def _forget_sdk_sessions() -> None:
    """Empty the SDK's process-wide HTTP sessions (class attributes shared by every client)."""
    for module_name, class_name in (("darabonba.core", "DaraCore"), ("Tea.core", "TeaCore")):
        module = sys.modules.get(module_name)
        core = getattr(module, class_name, None)
        if core is None:
            continue
        sessions = getattr(core, "_sessions", None)
        if isinstance(sessions, dict):
            for session in list(sessions.values()):
                _fork.drop_pooled_connections(session)
            sessions.clear()
        for name in ("http_adapter", "https_adapter"):
            adapter = getattr(core, name, None)
            if adapter is not None:
                _fork.drop_pooled_connections(adapter)


def _is_transport(exc: BaseException) -> bool:
    """The SDK's network failures: a RetryError inside its UnretryableException, or OSError."""
    inner = getattr(exc, "inner_exception", None)
    return (
        isinstance(exc, OSError)
        or type(inner).__name__ == "RetryError"
        or isinstance(inner, OSError)
        or type(exc).__name__ in ("RetryError", "ConnectionError", "Timeout", "ReadTimeout")
    )


#: what ``alibabacloud-credentials``' DefaultCredentialsProvider tries, in order
#: (``alibabacloud_credentials/provider/default.py``; variables from ``utils/auth_util.py``)
CREDENTIAL_CHAIN = (
    "environment ALIBABA_CLOUD_ACCESS_KEY_ID + ALIBABA_CLOUD_ACCESS_KEY_SECRET "
    "(+ ALIBABA_CLOUD_SECURITY_TOKEN); OIDC ALIBABA_CLOUD_ROLE_ARN + "
    "ALIBABA_CLOUD_OIDC_PROVIDER_ARN + ALIBABA_CLOUD_OIDC_TOKEN_FILE; the CLI profile "
    "~/.aliyun/config.json (ALIBABA_CLOUD_PROFILE); the credentials file "
    "~/.alibabacloud/credentials.ini or ALIBABA_CLOUD_CREDENTIALS_FILE (section "
    "ALIBABA_CLOUD_PROFILE, default 'default'); the ECS RAM role (ALIBABA_CLOUD_ECS_METADATA, "
    "off with ALIBABA_CLOUD_ECS_METADATA_DISABLED=true); ALIBABA_CLOUD_CREDENTIALS_URI"
)


def _credential_client(profile: str | None) -> Any:
    """The SDK's credential client, resolved once now so that a missing credential is
    one clear error at connect (the SDK would log a traceback per provider it tries)."""
    from alibabacloud_credentials.client import Client as CredentialClient

    if profile:
        from alibabacloud_credentials.provider.profile import ProfileCredentialsProvider

        client = CredentialClient(provider=ProfileCredentialsProvider(profile_name=profile))
        wanted = (
            f"profile {profile!r} with access_key_id and access_key_secret in "
            "~/.alibabacloud/credentials.ini or the file ALIBABA_CLOUD_CREDENTIALS_FILE names"
        )
    else:
        client = CredentialClient()
        wanted = f"one of the SDK's credential chain: {CREDENTIAL_CHAIN}"
    with sdk_logging.silenced(*sdk_logging.SDK_LOGGERS):
        try:
            client.get_credential()
        except Exception as err:
            reason = " ".join(sdk_logging.redact(str(err)).split())
            raise ConfigurationError(
                f"no Alibaba Cloud credentials: set {wanted}; or pass access_key_id and "
                f"access_key_secret (the SDK said: {type(err).__name__}: {reason})",
                field="access_key_id",
                dialect=Dialect.ALIBABA_CLASSIC,
            ) from None
    return client


def open_url(parts: Any, options: dict[str, str]) -> AlibabaClassicKmsDriver:
    """The ``alibaba-kms://<region>`` opener for :func:`unikms.connect`.

    Options: ``endpoint`` (default ``kms.<region>.aliyuncs.com`` over HTTPS),
    ``access_key_id``/``access_key_secret``/``security_token`` or ``profile`` (else
    the credential chain), ``signature`` (``ACS3``, ``v1``, ``ACS4``),
    ``connect_timeout``/``read_timeout`` (seconds), ``retries``,
    ``retry_base_delay``, ``retry_max_delay``.
    """
    region = required_host(parts, Dialect.ALIBABA_CLASSIC, "a region", "alibaba-kms://cn-hangzhou")
    opts = adapter_options(options)
    kwargs = {
        name: options.pop(name, None)
        for name in (
            "endpoint",
            "access_key_id",
            "access_key_secret",
            "security_token",
            "profile",
            "signature",
        )
    }
    refuse_unknown(
        "alibaba-kms",
        options,
        "endpoint, access_key_id, access_key_secret, security_token, profile, signature, "
        "connect_timeout, read_timeout, retries, retry_base_delay, retry_max_delay, strict",
    )
    return AlibabaClassicKmsDriver(
        region,
        endpoint=kwargs["endpoint"],
        access_key_id=kwargs["access_key_id"],
        access_key_secret=kwargs["access_key_secret"],
        security_token=kwargs["security_token"],
        profile=kwargs["profile"],
        signature=kwargs["signature"] or "ACS3",
        options=opts,
    )
