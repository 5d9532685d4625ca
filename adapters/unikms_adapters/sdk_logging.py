"""The official SDKs' own loggers, kept from printing secrets.

At DEBUG, ``tencentcloud_sdk_common`` logs every request and answer whole
(headers with the ``Authorization`` signature and ``X-TC-Token``, the JSON body
with the Base64 ``Plaintext``, the data key of ``GenerateDataKey``);
``darabonba-core`` (Alibaba, with ``DEBUG=sdk``) logs the request headers with
the signature and security token; ``urllib3.connectionpool`` logs the request
line, which for Alibaba's v1 signature and Tencent's ``GET`` carries the
plaintext, the signature and the token in the query string; Alibaba's
``credentials`` logger can log an STS answer. As soon as an adapter is created,
:data:`REDACTOR` is attached to each of those loggers: the values of secret
fields become ``<redacted>`` in the message, its arguments and any traceback,
and everything else stays as the SDK wrote it (levels and handlers are the
user's)::

    >>> import logging
    >>> from unikms_adapters import sdk_logging
    >>> sdk_logging.redact('{"KeyId": "k1", "Plaintext": "c2VjcmV0"}')
    '{"KeyId": "k1", "Plaintext": "<redacted>"}'

A user who really needs the raw SDK logs (debugging a signature with a throwaway
key, say) turns the redaction off knowingly with
:func:`keep_secrets_in_sdk_logs`; from then on those logs hold secrets.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = [
    "REDACTOR",
    "SDK_LOGGERS",
    "SecretRedactingFilter",
    "install",
    "keep_secrets_in_sdk_logs",
    "redact",
    "silenced",
]

#: the loggers the adapters' SDKs write to
SDK_LOGGERS = (
    "tencentcloud_sdk_common",
    "darabonba-core",
    "alibabacloud-tea",
    "credentials",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
)

_NAMES = (
    r"plaintext|signature|accesskeysecret|access_key_secret|secretkey|secret_key|"
    r"securitytoken|security_token|sessiontoken|session_token|token|x-acs-security-token|"
    r"x-tc-token|privatekeydata|private_key|privatekey|password|authorization"
)
#: ``name: value`` / ``name=value`` with the value quoted (JSON, a repr, escaped JSON) or bare
_FIELD = re.compile(
    rf"""(?P<name>(?<![A-Za-z0-9_-])(?:\\?["'])?(?:{_NAMES})(?:\\?["'])?\s*[:=]\s*)"""
    r"""(?P<value>\\"(?:[^"\\]|\\[^"])*\\"|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s&,;"'}\])]+)""",
    re.IGNORECASE,
)
#: a whole header line whose value has spaces (``Authorization: TC3-HMAC-SHA256 ...``)
_HEADER_LINE = re.compile(
    r"(?im)^(?P<name>[ \t<>]*(?:authorization|x-tc-token|x-acs-security-token)[ \t]*:[ \t]*).+$"
)
MASK = "<redacted>"


def _mask(match: re.Match[str]) -> str:
    value = match.group("value")
    quote = value[:2] if value.startswith('\\"') else value[:1] if value[:1] in "\"'" else ""
    return f"{match.group('name')}{quote}{MASK}{quote}"


def redact(text: str) -> str:
    """``text`` with the value of every secret field replaced by ``<redacted>``."""
    text = _HEADER_LINE.sub(lambda m: m.group("name") + MASK, text)
    return _FIELD.sub(_mask, text)


class SecretRedactingFilter(logging.Filter):
    """A :class:`logging.Filter` that redacts secrets from a record; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


#: the one filter the adapters attach to :data:`SDK_LOGGERS`
REDACTOR = SecretRedactingFilter()
_state = {"redacting": True}


def install() -> None:
    """Attach :data:`REDACTOR` to every SDK logger (idempotent; adapters call it)."""
    if not _state["redacting"]:
        return
    for name in SDK_LOGGERS:
        logger = logging.getLogger(name)
        if REDACTOR not in logger.filters:
            logger.addFilter(REDACTOR)


def keep_secrets_in_sdk_logs() -> None:
    """Stop redacting the SDK loggers, for this process: their DEBUG logs will hold
    plaintexts, data keys, signatures and tokens. For debugging with throwaway keys.

    >>> keep_secrets_in_sdk_logs()  # doctest: +SKIP
    """
    _state["redacting"] = False
    for name in SDK_LOGGERS:
        logging.getLogger(name).removeFilter(REDACTOR)


class _DropThread(logging.Filter):
    def __init__(self, thread: int) -> None:
        super().__init__()
        self.thread = thread

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread != self.thread


@contextmanager
def silenced(*names: str) -> Iterator[None]:
    """Drop what loggers ``names`` log from this thread inside the block (other threads log).

    For an SDK step whose failures the adapter reports itself, in one line (the
    Alibaba credential chain logs a traceback for every provider it tries).
    """
    drop = _DropThread(threading.get_ident())
    loggers = [logging.getLogger(name) for name in names]
    for logger in loggers:
        logger.addFilter(drop)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(drop)
