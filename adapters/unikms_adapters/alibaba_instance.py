"""``alibaba-kms-instance://<instance endpoint>``: the KMS instance gateway (``dkms-gcs-0.2``).

The official ``alibabacloud-dkms-gcs`` cannot live in a modern environment
(``pyopenssl<23.3`` forces ``cryptography<42``; its generated protobuf code
needs ``protobuf<4``; it installs top-level ``sdk`` and ``openapi`` packages), so
this adapter speaks the gateway protocol itself: our own ``.proto`` schema on
the current ``protobuf`` runtime, the client-key RSA signature with
``cryptography``, HTTP through ``requests``. Tests prove it byte-compatible with
the official SDK (same signature over the same request, same parsing).

>>> import unikms
>>> kms = unikms.connect("alibaba-kms-instance://127.0.0.1:1",  # doctest: +SKIP
...                      client_key_file="clientKey_KAAP.x.json", password="...")

Credentials: the client key file (``{"KeyId", "PrivateKeyData"}``, a PKCS#12
under ``password``), or its content, or a client key id with its RSA private
key in PEM. The gateway has no key management; ``management=`` (a driver, or an
``alibaba-kms://`` URL) answers those calls through the classic API, as in
Alibaba Cloud.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from email.utils import formatdate
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from unikms.dialects.alibaba import instance as rules_module
from unikms.errors import (
    ConfigurationError,
    InvalidRequestError,
)
from unikms.native import Driver, NativeError, NativeParams, NativeResponse
from unikms.types import Dialect
from unikms_adapters import _fork, sdk_logging
from unikms_adapters._answers import check_answer
from unikms_adapters._common import (
    AdapterOptions,
    Endpoint,
    adapter_options,
    missing_sdk,
    refuse_unknown,
    required_host,
    retryable,
)

__all__ = ["AlibabaInstanceKmsDriver", "ClientKey", "open_url"]

RULES = rules_module.RULES
USER_AGENT = "unikms-alibaba-instance-adapter/0.1"


def _read_text(path: str | Path, field: str) -> str:
    try:
        return Path(path).read_text("utf-8")
    except OSError as err:
        raise InvalidRequestError(
            f"{field}: cannot read {str(path)!r} ({type(err).__name__})",
            field=field,
            dialect=Dialect.ALIBABA_INSTANCE,
        ) from None


class ClientKey:
    """A gateway client key: its id and RSA private key (never shown)."""

    __slots__ = ("key_id", "private_key")

    def __init__(self, key_id: str, private_key: rsa.RSAPrivateKey) -> None:
        self.key_id = key_id
        self.private_key = private_key

    def __repr__(self) -> str:
        return f"ClientKey(key_id={self.key_id!r}, private_key=<redacted>)"

    @classmethod
    def from_content(cls, content: str | bytes, password: str) -> ClientKey:
        """From the client key file's JSON text and its password."""
        try:
            doc = json.loads(content)
            key, _, _ = pkcs12.load_key_and_certificates(
                base64.b64decode(doc["PrivateKeyData"]), password.encode("utf-8")
            )
        except (ValueError, KeyError, TypeError) as err:
            raise InvalidRequestError(
                f"the client key could not be opened (wrong password or not a client key "
                f"file): {type(err).__name__}",
                field="client_key",
                dialect=Dialect.ALIBABA_INSTANCE,
            ) from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise InvalidRequestError(
                "the client key is not an RSA key",
                field="client_key",
                dialect=Dialect.ALIBABA_INSTANCE,
            )
        return cls(str(doc["KeyId"]), key)

    @classmethod
    def from_file(cls, path: str | Path, password: str) -> ClientKey:
        return cls.from_content(_read_text(path, "client_key_file"), password)

    @classmethod
    def from_private_key(cls, key_id: str, pem: str | bytes) -> ClientKey:
        """From a client key id and its RSA private key (PKCS#1 or PKCS#8 PEM, or its body)."""
        text = pem.decode() if isinstance(pem, bytes) else pem
        if "-----BEGIN" not in text:
            text = (
                f"-----BEGIN RSA PRIVATE KEY-----\n{text.strip()}\n-----END RSA PRIVATE KEY-----\n"
            )
        try:
            try:
                key = serialization.load_pem_private_key(text.encode(), password=None)
            except ValueError:
                # the body of a PKCS#8 key under the PKCS#1 label, as the SDK writes it
                text = text.replace("RSA PRIVATE KEY", "PRIVATE KEY")
                key = serialization.load_pem_private_key(text.encode(), password=None)
        except (ValueError, TypeError) as err:
            raise InvalidRequestError(
                f"private_key is not an unencrypted RSA private key in PEM: {type(err).__name__}",
                field="private_key",
                dialect=Dialect.ALIBABA_INSTANCE,
            ) from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise InvalidRequestError(
                "the private key is not RSA", field="private_key", dialect=Dialect.ALIBABA_INSTANCE
            )
        return cls(key_id, key)


class AlibabaInstanceKmsDriver:
    """A :class:`unikms.driver.Driver` for a KMS instance's gateway."""

    dialect = Dialect.ALIBABA_INSTANCE

    def __init__(
        self,
        endpoint: str,
        client_key: ClientKey,
        *,
        ca_file: str | None = None,
        management: Driver | None = None,
        options: AdapterOptions | None = None,
    ) -> None:
        try:
            import requests

            from unikms.dialects.alibaba.dkms import wire
        except ImportError as err:
            raise missing_sdk(self.dialect, "alibaba-instance", err) from None
        sdk_logging.install()
        self.endpoint = Endpoint.parse(endpoint)
        self.client_key = client_key
        self.management = management
        self.options = options or AdapterOptions()
        self._wire = wire
        self._session = requests.Session()
        if self.endpoint.loopback:
            self._session.trust_env = False  # no proxy takes loopback traffic elsewhere
        self._verify: bool | str = ca_file or True
        self._requests_error = requests.RequestException
        _fork.track(self)

    def __repr__(self) -> str:
        return (
            f"AlibabaInstanceKmsDriver(endpoint={self.endpoint.url!r}, "
            f"client_key={self.client_key.key_id!r})"
        )

    # -- the protocol -------------------------------------------------------------
    def sign(self, api: str, body: bytes, date: str | None = None) -> dict[str, str]:
        """The request headers the official SDK sends, signed with the client key."""
        headers = {
            "accept": self._wire.CONTENT_TYPE,
            "host": self.endpoint.host_port,
            "date": date or formatdate(usegmt=True),
            "user-agent": USER_AGENT,
            "x-kms-apiversion": self._wire.API_VERSION,
            "x-kms-apiname": api,
            "x-kms-signaturemethod": self._wire.SIGNATURE_METHOD,
            "x-kms-acccesskeyid": self.client_key.key_id,
            "content-type": self._wire.CONTENT_TYPE,
            "content-sha256": hashlib.sha256(body).hexdigest().upper(),
        }
        to_sign = self._wire.string_to_sign(headers, headers["content-sha256"])
        signature = self.client_key.private_key.sign(
            to_sign.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256()
        )
        headers["authorization"] = "Bearer " + base64.b64encode(signature).decode()
        return headers

    def encode(self, api: str, params: Mapping[str, Any]) -> bytes:
        request_cls, _ = self._wire.MESSAGES[api]
        fields = {f.name for f in request_cls.DESCRIPTOR.fields}
        unknown = set(params) - fields
        if unknown:
            raise InvalidRequestError(
                f"{api} has no parameter {', '.join(sorted(unknown))}",
                field=sorted(unknown)[0],
                dialect=self.dialect,
            )
        message = request_cls(**{k: v for k, v in params.items() if v not in (None, b"", "")})
        return bytes(message.SerializeToString())

    def decode(self, api: str, status: int, body: bytes) -> NativeResponse:
        """A gateway answer as native fields; an error status as :class:`NativeError`."""
        _, response_cls = self._wire.MESSAGES[api]
        if status >= 400:
            try:
                error = self._wire.pb.Error.FromString(body)
            except Exception:
                raise NativeError(
                    "InternalFailure", f"HTTP {status} without a protobuf Error body", status
                ) from None
            raise NativeError(
                error.ErrorCode or f"HTTP{status}",
                error.ErrorMessage,
                status,
                error.RequestId or None,
            )
        try:
            message = response_cls.FromString(body)
        except Exception:
            # a 200 whose body is not this action's answer is a transport mix-up, not the
            # service's InternalFailure (which, on a decrypt, means "does not open")
            raise NativeError(
                "AnswerMismatch",
                f"the answer to {api} is not a {response_cls.__name__} protobuf message; "
                "nothing from it was used",
                status,
                origin="transport",
            ) from None
        return {f.name: getattr(message, f.name) for f in response_cls.DESCRIPTOR.fields}

    # -- the driver -----------------------------------------------------------------
    def call(self, action: str, params: NativeParams) -> NativeResponse:
        """One gateway call (or a management call through ``management``: every action
        the gateway does not answer, a ``GetPublicKey`` naming a ``KeyVersionId`` too)."""
        if action not in self._wire.MESSAGES or not rules_module.gateway_serves(action, params):
            if self.management is None:
                raise NativeError(
                    "NoManagement",
                    f"{action} is key management, which a KMS instance gateway does not do; "
                    "give the adapter management= (an alibaba-kms:// driver for the account)",
                    0,
                    origin="driver",
                    field="management",
                )
            return self.management.call(action, params)
        body = self.encode(action, params)
        return self.options.retry.run(
            lambda: self._once(action, body, params), retryable(action, RULES)
        )

    def _once(self, api: str, body: bytes, params: NativeParams) -> NativeResponse:
        try:
            answer = self._session.post(
                f"{self.endpoint.url}/",
                data=body,
                headers=self.sign(api, body),
                timeout=(self.options.connect_timeout, self.options.read_timeout),
                verify=self._verify,
            )
        except self._requests_error as err:
            raise NativeError(
                type(err).__name__,
                f"the KMS instance gateway at {self.endpoint.url} did not answer: "
                f"{type(err).__name__}",
                0,
                origin="transport",
            ) from None
        fields = self.decode(api, answer.status_code, answer.content)
        check_answer(self.dialect, api, params, fields)
        return fields

    def reset_after_fork(self) -> None:
        """In a forked child: forget the parent's pooled connections (the session stays)."""
        _fork.drop_pooled_connections(self._session)

    def close(self) -> None:
        self._session.close()
        if self.management is not None:
            self.management.close()


def _missing_client_key(
    key_given: str | None, key_id: str | None, private_key: str | None
) -> ConfigurationError:
    """One line saying which half of the client key is missing, and where it comes from."""
    console = (
        "the KMS console's client key download: clientKey_<id>.json and clientKey_<id>_Password.txt"
    )
    if key_given:
        what, field = "the client key's password: password= or password_file=", "password"
    elif key_id or private_key:
        field = "private_key" if key_id else "client_key_id"
        what = "both client_key_id and private_key (the RSA private key in PEM)"
    else:
        field = "client_key_file"
        what = (
            "a client key: client_key_file= and password_file= (or password=), "
            "client_key_content= and password=, or client_key_id= and private_key="
        )
    return ConfigurationError(
        f"alibaba-kms-instance:// needs {what}; from {console}",
        field=field,
        dialect=Dialect.ALIBABA_INSTANCE,
    )


def open_url(parts: Any, options: dict[str, str]) -> AlibabaInstanceKmsDriver:
    """The ``alibaba-kms-instance://<host[:port]>`` opener for :func:`unikms.connect`.

    Options: ``client_key_file`` + ``password`` (or ``password_file``), or
    ``client_key_content`` + ``password``, or ``client_key_id`` + ``private_key``;
    ``protocol`` (``https`` default, ``http`` for the emulator); ``ca_file``;
    ``management`` (an ``alibaba-kms://`` URL for key management; its own options
    and credentials as keywords of that URL); ``connect_timeout``/``read_timeout``
    (seconds), ``retries``, ``retry_base_delay``, ``retry_max_delay``.
    """
    import unikms

    required_host(
        parts,
        Dialect.ALIBABA_INSTANCE,
        "the instance endpoint",
        "alibaba-kms-instance://kst-hzz123.cryptoservice.kms.aliyuncs.com",
    )
    opts = adapter_options(options)
    protocol = options.pop("protocol", "https")
    password = options.pop("password", None)
    password_file = options.pop("password_file", None)
    if password is None and password_file:
        password = _read_text(password_file, "password_file").strip()
    key_file = options.pop("client_key_file", None)
    key_content = options.pop("client_key_content", None)
    key_id = options.pop("client_key_id", None)
    private_key = options.pop("private_key", None)
    if key_file and password is not None:
        client_key = ClientKey.from_file(key_file, password)
    elif key_content and password is not None:
        client_key = ClientKey.from_content(key_content, password)
    elif key_id and private_key:
        client_key = ClientKey.from_private_key(key_id, private_key)
    else:
        raise _missing_client_key(key_file or key_content, key_id, private_key)
    management_url = options.pop("management", None)
    ca_file = options.pop("ca_file", None)
    refuse_unknown(
        "alibaba-kms-instance",
        options,
        "client_key_file, client_key_content, client_key_id, private_key, password, "
        "password_file, protocol, ca_file, management, connect_timeout, read_timeout, retries, "
        "retry_base_delay, retry_max_delay, strict",
    )
    management = unikms.connect(management_url).driver if management_url else None
    return AlibabaInstanceKmsDriver(
        f"{protocol}://{parts.netloc}",
        client_key,
        ca_file=ca_file,
        management=management,
        options=opts,
    )
