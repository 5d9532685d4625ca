"""``tencent-kms://<region>``: Tencent KMS through ``tencentcloud-sdk-python``.

>>> import unikms
>>> kms = unikms.connect("tencent-kms://ap-guangzhou", endpoint="http://127.0.0.1:1",
...                      secret_id="id", secret_key="key")
>>> kms.dialect.value
'tencent'

Credentials come from the SDK's own provider chain (:data:`CREDENTIAL_CHAIN`:
``TENCENTCLOUD_SECRET_ID`` / ``TENCENTCLOUD_SECRET_KEY``, the profile file
``~/.tencentcloud/credentials``, the CVM role, TKE OIDC), unless ``secret_id``
and ``secret_key`` (and ``token``) are given. They never appear in a repr or
error; with none, ``connect`` raises one :class:`InvalidRequestError` naming
every link of the chain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unikms.dialects.tencent import rules as rules_module
from unikms.errors import ConfigurationError, InvalidRequestError
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

__all__ = ["CREDENTIAL_CHAIN", "TencentKmsDriver", "open_url"]

RULES = rules_module.RULES
DEFAULT_HOST = "kms.tencentcloudapi.com"
_TRANSPORT_CODES = {"ClientNetworkError"}
SIGN_METHODS = ("TC3-HMAC-SHA256", "HmacSHA1", "HmacSHA256")


class TencentKmsDriver:
    """A :class:`unikms.driver.Driver` over ``tencentcloud.kms.v20190118.KmsClient``."""

    dialect = Dialect.TENCENT

    def __init__(
        self,
        region: str,
        *,
        endpoint: str | None = None,
        secret_id: str | None = None,
        secret_key: str | None = None,
        token: str | None = None,
        sign_method: str = "TC3-HMAC-SHA256",
        request_method: str = "POST",
        options: AdapterOptions | None = None,
    ) -> None:
        try:
            from tencentcloud.common import credential
            from tencentcloud.common.profile.client_profile import ClientProfile
            from tencentcloud.common.profile.http_profile import HttpProfile
            from tencentcloud.kms.v20190118 import kms_client
        except ImportError as err:
            raise missing_sdk(self.dialect, "tencent", err) from None
        one_of(sign_method, SIGN_METHODS, "sign_method", self.dialect)
        sdk_logging.install()
        one_of(request_method, ("POST", "GET"), "request_method", self.dialect)
        self.region = region
        self.options = options or AdapterOptions()
        self.endpoint = Endpoint.parse(endpoint or DEFAULT_HOST)
        if secret_id or secret_key:
            if not (secret_id and secret_key):
                raise InvalidRequestError(
                    "pass both secret_id and secret_key, or neither (to use the SDK's "
                    "credential chain)",
                    field="secret_key" if secret_id else "secret_id",
                    dialect=self.dialect,
                )
            cred: Any = credential.Credential(secret_id, secret_key, token)
        else:
            cred = _chain_credential(credential)
        http = HttpProfile(
            protocol=self.endpoint.scheme,
            endpoint=self.endpoint.host_port,
            reqMethod=request_method,
            # the SDK has one timeout for the whole request: the longer of the two
            reqTimeout=max(self.options.connect_timeout, self.options.read_timeout),
        )
        profile = ClientProfile(httpProfile=http, signMethod=sign_method)
        self._new_client: Callable[[], Any] = lambda: kms_client.KmsClient(cred, region, profile)
        # the SDK's retryer stays the default no-op: retries happen in call()
        self._client = self._new_client()
        if self.endpoint.loopback and not _no_proxy_for(self._client):
            http.proxy = self.endpoint.pinned_proxy  # fallback: slower, but never proxied
            self._client = self._new_client()
        self._exception: type[Exception] = _sdk_exception()
        _fork.track(self)

    def __repr__(self) -> str:
        return f"TencentKmsDriver(region={self.region!r}, endpoint={self.endpoint.url!r})"

    def call(self, action: str, params: NativeParams) -> NativeResponse:
        """One native call, retried per the policy (throttling; transport if idempotent)."""
        return self.options.retry.run(lambda: self._once(action, params), retryable(action, RULES))

    def _once(self, action: str, params: NativeParams) -> NativeResponse:
        try:
            answer = self._client.call_json(action, dict(params))
        except self._exception as exc:
            code = str(getattr(exc, "code", "") or "")
            message = str(getattr(exc, "message", "") or "")
            request_id = getattr(exc, "requestId", None)
            if code in _TRANSPORT_CODES:
                # the SDK's message quotes the request URL, which on GET carries the
                # Plaintext and (v1) SecretId, Token and Signature: never pass it on
                raise NativeError(
                    code,
                    f"Tencent KMS at {self.endpoint.url} did not answer ({code})",
                    0,
                    origin="transport",
                ) from None
            if code == "ServerNetworkError":  # a non-200 status: not the KMS API answering
                raise NativeError(
                    "InternalError",
                    "the endpoint answered with an HTTP error status",
                    200,
                    request_id,
                ) from None
            raise NativeError(code, message, 200, request_id) from None
        response = answer.get("Response") if isinstance(answer, dict) else None
        if not isinstance(response, dict):
            raise NativeError("InternalError", "the answer has no Response object", 200)
        check_answer(self.dialect, action, params, response)
        return response

    def close(self) -> None:
        """Nothing to release: the SDK keeps one requests session per client."""

    def reset_after_fork(self) -> None:
        """In a forked child: a new SDK client, so no connection of the parent's is used."""
        self._client = self._new_client()
        if self.endpoint.loopback:
            _no_proxy_for(self._client)


#: what the SDK's DefaultCredentialProvider tries, in order (``tencentcloud/common/credential.py``)
CREDENTIAL_CHAIN = (
    "environment TENCENTCLOUD_SECRET_ID + TENCENTCLOUD_SECRET_KEY; the profile file "
    "~/.tencentcloud/credentials or /etc/tencentcloud/credentials ([default] secret_id, "
    "secret_key); the CVM role (metadata.tencentyun.com); TKE OIDC TKE_REGION + TKE_PROVIDER_ID "
    "+ TKE_WEB_IDENTITY_TOKEN_FILE + TKE_ROLE_ARN"
)


def _chain_credential(credential: Any) -> Any:
    """The SDK's chain, or one line naming every link (it says only the last one's failure,
    e.g. ``TKE_REGION not exist``)."""
    try:
        with sdk_logging.silenced(*sdk_logging.SDK_LOGGERS):
            cred = credential.DefaultCredentialProvider().get_credentials()
    except Exception as err:
        reason = f"{type(err).__name__}: {' '.join(sdk_logging.redact(str(err)).split())}"
    else:
        if cred is not None:
            return cred
        reason = "no credential"
    raise ConfigurationError(
        f"no Tencent Cloud credentials: set one of the SDK's credential chain: "
        f"{CREDENTIAL_CHAIN}; or pass secret_id and secret_key (the SDK said: {reason})",
        field="secret_id",
        dialect=Dialect.TENCENT,
    )


def _no_proxy_for(client: Any) -> bool:
    """Keep a loopback client off every proxy; False when the SDK's insides moved.

    The SDK takes ``HTTP_PROXY`` from the environment unless ``NO_PROXY`` holds
    the endpoint as a substring, and its requests session trusts the environment
    too. Naming the endpoint as its own proxy works but costs ~40 ms a request
    (urllib3's proxied sends meet delayed ACKs), so the connection is told
    directly: no proxy, no environment.
    """
    conn = getattr(getattr(client, "request", None), "conn", None)
    session = getattr(conn, "_session", None)
    if conn is None or session is None or not hasattr(conn, "proxy"):
        return False
    conn.proxy = None
    session.trust_env = False
    return True


def _sdk_exception() -> type[Exception]:
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
        TencentCloudSDKException,
    )

    return TencentCloudSDKException  # type: ignore[no-any-return]


def open_url(parts: Any, options: dict[str, str]) -> TencentKmsDriver:
    """The ``tencent-kms://<region>`` opener for :func:`unikms.connect`.

    Options: ``endpoint`` (host[:port] or URL; default the public API),
    ``secret_id``/``secret_key``/``token`` (else the SDK's credential chain),
    ``sign_method`` (``TC3-HMAC-SHA256``, ``HmacSHA1``, ``HmacSHA256``),
    ``request_method`` (``POST``/``GET``), ``connect_timeout``/``read_timeout``
    (seconds), ``retries``, ``retry_base_delay``, ``retry_max_delay``.
    """
    region = required_host(parts, Dialect.TENCENT, "a region", "tencent-kms://ap-guangzhou")
    opts = adapter_options(options)
    kwargs = {
        name: options.pop(name, None)
        for name in (
            "endpoint",
            "secret_id",
            "secret_key",
            "token",
            "sign_method",
            "request_method",
        )
    }
    refuse_unknown(
        "tencent-kms",
        options,
        "endpoint, secret_id, secret_key, token, sign_method, request_method, connect_timeout, "
        "read_timeout, retries, retry_base_delay, retry_max_delay, strict",
    )
    return TencentKmsDriver(
        region,
        endpoint=kwargs["endpoint"],
        secret_id=kwargs["secret_id"],
        secret_key=kwargs["secret_key"],
        token=kwargs["token"],
        sign_method=kwargs["sign_method"] or "TC3-HMAC-SHA256",
        request_method=(kwargs["request_method"] or "POST").upper(),
        options=opts,
    )
