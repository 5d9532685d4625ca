"""Adapter hardening: fork safety, answers that belong to their request, quiet SDK logs,
one-line credential errors (each test failed before its fix)."""

from __future__ import annotations

import base64
import logging
import multiprocessing
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import pytest

import unikms
from tests.drivers import adapter_urls
from unikms.dialects.alibaba.package import DEFAULT_ACCESS_KEY_ID as DEFAULT_ALIBABA_ACCESS_KEY_ID
from unikms.dialects.alibaba.package import (
    DEFAULT_ACCESS_KEY_SECRET as DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
)
from unikms.dialects.tencent.package import DEFAULT_SECRET_KEY as DEFAULT_TENCENT_SECRET_KEY
from unikms.emulator import Emulator
from unikms.types import Dialect

DIALECTS = list(Dialect)


def url_for(emu: Emulator, dialect: Dialect) -> str:
    assert emu.client_key is not None
    return adapter_urls(emu.endpoint, str(emu.client_key.path), emu.client_key.password)[dialect]


# -- fork safety ----------------------------------------------------------------------------

WORKERS, ROUND_TRIPS = 6, 80
_PARENT: dict[str, Any] = {}


def _round_trips(args: tuple[str, str, bool, int]) -> tuple[int, list[str]]:
    """In a forked child: encrypt/decrypt distinct plaintexts; count wrong ones and errors."""
    url, key, shared, worker = args
    kms = _PARENT["client"] if shared else unikms.connect(url)
    wrong, errors = 0, []
    for i in range(ROUND_TRIPS):
        plaintext = f"worker {worker} trip {i} pid {os.getpid()}".encode()
        try:
            if kms.decrypt(kms.encrypt(key, plaintext).ciphertext).plaintext != plaintext:
                wrong += 1
        except Exception as exc:  # every failure counts: none may happen
            errors.append(type(exc).__name__)
    return wrong, errors


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.parametrize("shared", [True, False], ids=["pre-fork-client", "client-per-child"])
@pytest.mark.parametrize("dialect", DIALECTS)
def test_forked_workers_only_ever_see_their_own_answers(
    emu: Emulator, dialect: Dialect, shared: bool
) -> None:
    """Before the fix, 6 x 80 round trips gave other workers' plaintexts, KeyErrors and
    ServiceErrors on every adapter with a shared client, and on classic with new ones."""
    url = url_for(emu, dialect)
    parent = unikms.connect(url)
    key = parent.create_key().key_id
    assert parent.decrypt(parent.encrypt(key, b"warm").ciphertext).plaintext == b"warm"
    _PARENT["client"] = parent  # a pooled keep-alive connection is open now
    try:
        with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
            results = pool.map(_round_trips, [(url, key, shared, w) for w in range(WORKERS)])
    finally:
        _PARENT.clear()
    assert sum(r[0] for r in results) == 0, "a worker got another worker's plaintext"
    assert [e for r in results for e in r[1]] == []
    # the parent's own connection still works after its children used theirs
    assert parent.decrypt(parent.encrypt(key, b"after").ciphertext).plaintext == b"after"


# -- answers belong to their request ------------------------------------------------------


@contextmanager
def answers_one_behind(driver: Any, dialect: Dialect) -> Iterator[None]:
    """Every SDK-level call gets the answer to the call before it (what two processes on
    one keep-alive connection do to each other); the first gets its own."""
    name = {
        Dialect.ALIBABA_CLASSIC: "call_api",
        Dialect.TENCENT: "call_json",
        Dialect.ALIBABA_INSTANCE: "post",
        # boto3: every action's method goes through the client's one request seam
        Dialect("aws"): "_make_api_call",
    }[dialect]
    holder = driver._session if dialect is Dialect.ALIBABA_INSTANCE else driver._client
    real: Callable[..., Any] = getattr(holder, name)
    previous: list[Any] = []

    def shifted(*args: Any, **kwargs: Any) -> Any:
        answer = real(*args, **kwargs)
        previous.append(answer)
        return previous[-2] if len(previous) > 1 else answer

    setattr(holder, name, shifted)
    try:
        yield
    finally:
        delattr(holder, name)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_an_answer_to_another_request_is_never_data(emu: Emulator, dialect: Dialect) -> None:
    kms = unikms.connect(url_for(emu, dialect))
    first, second = kms.create_key().key_id, kms.create_key().key_id
    sealed = kms.encrypt(second, b"other tenant's secret").ciphertext
    with answers_one_behind(kms.driver, dialect):
        assert kms.encrypt(first, b"mine").key_id == first  # its own answer
        calls: list[Callable[[], object]] = [
            lambda: kms.decrypt(sealed),  # gets the Encrypt answer
            lambda: kms.encrypt(second, b"x"),  # gets the Decrypt answer
            lambda: kms.encrypt(first, b"y"),  # gets second's Encrypt answer
            lambda: kms.generate_data_key(first),  # gets first's Encrypt answer
            lambda: kms.decrypt(sealed),  # gets a data key answer
        ]
        mismatches = 0
        for call in calls:
            # an answer of another action's shape may not even parse (the gateway's
            # protobuf): a ServiceError then; never a result
            with pytest.raises((unikms.TransportError, unikms.ServiceError)) as err:
                call()
            assert err.value.dialect is dialect and "secret" not in str(err.value)
            mismatches += err.value.code == "AnswerMismatch"
        assert mismatches >= 3


def test_a_decrypt_answer_for_another_key_version_is_refused(emu: Emulator) -> None:
    """Classic Decrypt names no key: the blob's KeyVersionId and length are the link."""
    kms = unikms.connect(url_for(emu, Dialect.ALIBABA_CLASSIC))
    a, b = kms.create_key().key_id, kms.create_key().key_id
    blob_a = kms.encrypt(a, b"same length").ciphertext
    blob_b = kms.encrypt(b, b"same length").ciphertext
    blob_a_longer = kms.encrypt(a, b"a longer plaintext").ciphertext
    with answers_one_behind(kms.driver, Dialect.ALIBABA_CLASSIC):
        assert kms.decrypt(blob_a).plaintext == b"same length"
        with pytest.raises(unikms.TransportError, match="not the length"):
            kms.decrypt(blob_a_longer)  # gets blob_a's answer: same key version
        with pytest.raises(unikms.TransportError, match="another key"):
            kms.decrypt(blob_b)  # gets blob_a_longer's answer


# -- the SDKs' loggers ----------------------------------------------------------------------


def _debug_traffic(emu: Emulator, dialect: Dialect, extra: str = "") -> list[bytes]:
    """Crypto calls that put plaintexts and data keys on the wire; their secrets."""
    kms = unikms.connect(url_for(emu, dialect) + extra)
    key = kms.create_key().key_id
    plaintext = b"debug-log plaintext \x00\xff"
    assert kms.decrypt(kms.encrypt(key, plaintext).ciphertext).plaintext == plaintext
    data_key = kms.generate_data_key(key)
    assert kms.decrypt(data_key.ciphertext).plaintext == data_key.plaintext
    return [plaintext, data_key.plaintext]


def _forms(secret: bytes) -> list[str]:
    b64 = base64.b64encode(secret).decode()
    double = base64.b64encode(b64.encode()).decode()  # the classic dialect's Base64 text
    return [b64, quote(b64, safe=""), double, quote(double, safe="")]


SIGNED_VARIANTS = [
    (Dialect.ALIBABA_CLASSIC, ""),
    (Dialect.ALIBABA_CLASSIC, "&signature=v1"),
    (Dialect.TENCENT, ""),
    (Dialect.TENCENT, "&sign_method=HmacSHA1&request_method=GET"),
    (Dialect.ALIBABA_INSTANCE, ""),
]


@pytest.mark.parametrize(("dialect", "extra"), SIGNED_VARIANTS)
def test_sdk_debug_logs_hold_no_secret(
    emu: Emulator,
    dialect: Dialect,
    extra: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from unikms_adapters.sdk_logging import SDK_LOGGERS

    monkeypatch.setenv("DEBUG", "sdk")  # darabonba-core's own request/response debug log
    for name in SDK_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    secrets = _debug_traffic(emu, dialect, extra)
    text = "\n".join(logging.Formatter("%(name)s %(message)s").format(r) for r in caplog.records)
    assert "<redacted>" in text  # the SDKs did log the secret fields
    for secret in secrets:
        for form in _forms(secret):
            assert form not in text
    for credential in (DEFAULT_ALIBABA_ACCESS_KEY_SECRET, DEFAULT_TENCENT_SECRET_KEY):
        assert credential not in text
    assert not re.search(r"Signature=(?!<redacted>)[^&\s\"']", text, re.IGNORECASE)
    assert not re.search(r"authorization\s*:\s*(?!<redacted>)\S", text, re.IGNORECASE)


def test_the_redaction_can_be_turned_off_knowingly(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    from unikms_adapters import sdk_logging

    caplog.set_level(logging.DEBUG, logger="tencentcloud_sdk_common")
    sdk_logging.keep_secrets_in_sdk_logs()
    try:
        secrets = _debug_traffic(emu, Dialect.TENCENT)
    finally:
        sdk_logging._state["redacting"] = True
        sdk_logging.install()
    assert base64.b64encode(secrets[0]).decode() in caplog.text


# -- no credentials: one line ------------------------------------------------------------------

_SHOW = """
import logging, sys
logging.basicConfig(level=logging.WARNING)
import unikms
try:
    unikms.connect(sys.argv[1])
except unikms.KmsError as err:
    print(type(err).__name__, err)
"""


@pytest.mark.parametrize(
    ("url", "names"),
    [
        (
            "alibaba-kms://cn-hangzhou",
            [
                "ALIBABA_CLOUD_ACCESS_KEY_ID",
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                "ALIBABA_CLOUD_CREDENTIALS_FILE",
                "ALIBABA_CLOUD_PROFILE",
                "ECS RAM role",
                "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
                "access_key_id",
            ],
        ),
        ("alibaba-kms://cn-hangzhou?profile=nope", ["'nope'", "credentials.ini"]),
        (
            "tencent-kms://ap-guangzhou",
            [
                "TENCENTCLOUD_SECRET_ID",
                "TENCENTCLOUD_SECRET_KEY",
                "~/.tencentcloud/credentials",
                "CVM role",
                "TKE_REGION",
                "TKE_WEB_IDENTITY_TOKEN_FILE",
                "secret_id",
            ],
        ),
        ("alibaba-kms-instance://h?client_key_file=/k.json", ["password_file", "Password.txt"]),
        ("alibaba-kms-instance://h?client_key_id=KAAP.x", ["both client_key_id and private_key"]),
        ("alibaba-kms-instance://h", ["client_key_file", "password_file", "private_key"]),
    ],
)
def test_missing_credentials_are_one_line_naming_the_chain(
    url: str, names: list[str], tmp_path: Any
) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", _SHOW, url],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.stderr == ""  # no SDK log line, no traceback
    lines = done.stdout.splitlines()
    # a ConfigurationError (an InvalidRequestError): what to set is missing, as for connect()
    assert len(lines) == 1 and lines[0].startswith("ConfigurationError "), done.stdout
    for name in names:
        assert name in lines[0]


def test_credentials_failing_later_are_access_denied_in_one_line(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ECS role / STS refresh that fails after connect: typed, no SDK exception."""
    from alibabacloud_credentials.exceptions import CredentialException
    from alibabacloud_credentials.models import CredentialModel
    from unikms_adapters import alibaba_classic

    class Expiring:
        expired = False

        def get_credential(self) -> CredentialModel:
            if self.expired:
                raise CredentialException("refreshing the STS token failed")
            return CredentialModel(
                access_key_id=DEFAULT_ALIBABA_ACCESS_KEY_ID,
                access_key_secret=DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
                type="access_key",
            )

    credential = Expiring()
    monkeypatch.setattr(alibaba_classic, "_credential_client", lambda profile: credential)
    driver = alibaba_classic.AlibabaClassicKmsDriver(
        "cn-hangzhou", endpoint=f"http://{emu.endpoint}"
    )
    kms = unikms.KmsClient(driver)
    key = kms.create_key().key_id  # the first credential works
    credential.expired = True
    with pytest.raises(unikms.AccessDeniedError) as err:
        kms.encrypt(key, b"x")
    assert "STS token" in str(err.value) and "\n" not in str(err.value)


# -- throttling codes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "code"),
    [
        (Dialect.TENCENT, "RequestLimitExceeded.UinLimitExceeded"),
        (Dialect.TENCENT, "RequestLimitExceeded.IPLimitExceeded"),
        (Dialect.TENCENT, "RequestLimitExceeded.GlobalRegionUinLimitExceeded"),
        (Dialect.ALIBABA_CLASSIC, "Throttling.User"),
        (Dialect.ALIBABA_CLASSIC, "Throttling.Api"),
    ],
)
def test_the_throttling_subcodes_are_throttled_and_retried(dialect: Dialect, code: str) -> None:
    """Tencent's common throttling subcodes and the Alibaba OpenAPI gateway's flow-control
    codes (``RequestLimitExceeded`` and ``Rejected.Throttling``: tests/test_adapters.py)."""
    from unikms_adapters._common import retryable

    from unikms.dialects import rules_for
    from unikms.native import NativeError

    rules = rules_for(dialect)
    status = 200 if dialect is Dialect.TENCENT else 400
    err = NativeError(code, "slow down", status, "req-1")
    assert isinstance(rules.neutral(err), unikms.ThrottledError)
    assert retryable("CreateKey", rules)(err)  # throttled: nothing happened, retry anything
