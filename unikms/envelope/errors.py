"""Errors of envelope messages.

Every error that means "this message does not open" is an
:class:`EnvelopeError`, itself a :class:`unikms.errors.DecryptionFailedError`
(so ``except unikms.DecryptionFailedError`` catches envelope failures too).
Each subclass names what failed: which part of the message, which frame,
which wrapped key. Messages never contain plaintext or data keys.

Errors raised after some frames were already released carry
``frames_released`` and ``bytes_released``, so a caller that streamed
plaintext out knows how much of it (all authenticated) it already has::

    >>> from unikms.envelope.errors import TruncatedMessageError
    >>> err = TruncatedMessageError("the message ends inside frame 3", part="frame 3")
    >>> err.part, err.frames_released, isinstance(err, EnvelopeError)
    ('frame 3', 0, True)
"""

from __future__ import annotations

from typing import Any

import attrs

from unikms.errors import DecryptionFailedError

__all__ = [
    "Attempt",
    "ContextMismatchError",
    "EnvelopeError",
    "FrameAuthenticationError",
    "FrameSequenceError",
    "HeaderAuthenticationError",
    "KeyCommitmentError",
    "MalformedMessageError",
    "NoUsableKeyError",
    "TooManyWrappedKeysError",
    "TrailingDataError",
    "TruncatedMessageError",
    "UnsupportedFormatError",
]


@attrs.frozen
class Attempt:
    """One try at opening a wrapped data key: which key, with what, and why it failed.

    ``error`` is the failure's class name and message (codes, request ids;
    never key material).
    """

    provider: str
    key_id: str
    key_version_id: str | None
    opener: str
    error: str

    def describe(self) -> str:
        version = f" version {self.key_version_id}" if self.key_version_id else ""
        return f"{self.provider} key {self.key_id}{version} via {self.opener}: {self.error}"


class EnvelopeError(DecryptionFailedError):
    """An envelope message does not open. Base of every envelope decryption error.

    ``frames_released`` and ``bytes_released`` count the authenticated
    plaintext already handed out (by a streaming decrypt) before the failure.
    """

    kind = "envelope"

    def __init__(self, message: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.frames_released = 0
        self.bytes_released = 0

    def released(self, frames: int, nbytes: int) -> EnvelopeError:
        """Record how much authenticated plaintext went out before this error."""
        self.frames_released = frames
        self.bytes_released = nbytes
        return self


class MalformedMessageError(EnvelopeError):
    """The bytes are not a well-formed envelope message; ``part`` names the field."""

    kind = "envelope_malformed"

    def __init__(self, message: str, *, part: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.part = part


class UnsupportedFormatError(MalformedMessageError):
    """A format version or algorithm suite this implementation does not know."""

    kind = "envelope_unsupported"


class TruncatedMessageError(EnvelopeError):
    """The message ends early: in the header, inside a frame, or before its
    final frame. ``part`` names where."""

    kind = "envelope_truncated"

    def __init__(self, message: str, *, part: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.part = part


class TrailingDataError(EnvelopeError):
    """Bytes follow the final frame."""

    kind = "envelope_trailing_data"


class HeaderAuthenticationError(EnvelopeError):
    """The header's authentication tag does not verify: the header was altered."""

    kind = "envelope_header_authentication"


class KeyCommitmentError(HeaderAuthenticationError):
    """A data key was unwrapped but does not match the header's key commitment
    (the header was altered, or a wrapped key opens to a different key).

    ``attempts`` lists every try, as for :class:`NoUsableKeyError`.
    """

    kind = "envelope_key_commitment"

    def __init__(self, message: str, *, attempts: tuple[Attempt, ...] = (), **kw: Any) -> None:
        super().__init__(message, **kw)
        self.attempts = attempts


class FrameAuthenticationError(EnvelopeError):
    """A frame's tag does not verify (altered, or taken from another message).
    ``frame`` is its sequence number, ``final`` whether it claimed to be last."""

    kind = "envelope_frame_authentication"

    def __init__(self, message: str, *, frame: int, final: bool, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.frame = frame
        self.final = final


class FrameSequenceError(EnvelopeError):
    """A frame is out of place (frames dropped, reordered or duplicated):
    frame ``found`` stands where frame ``expected`` belongs."""

    kind = "envelope_frame_sequence"

    def __init__(self, message: str, *, expected: int, found: int, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.expected = expected
        self.found = found


class ContextMismatchError(EnvelopeError):
    """The encryption context given to decrypt is not the message's.

    ``missing``: names in the message's context that the caller did not give;
    ``unexpected``: names the caller gave that the message lacks;
    ``different``: names present in both with different values. Names only,
    never values.
    """

    kind = "envelope_context_mismatch"

    def __init__(
        self,
        message: str,
        *,
        missing: tuple[str, ...] = (),
        unexpected: tuple[str, ...] = (),
        different: tuple[str, ...] = (),
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.missing = missing
        self.unexpected = unexpected
        self.different = different


class NoUsableKeyError(EnvelopeError):
    """None of the message's wrapped data keys could be opened with the clients
    given. ``attempts`` says what was tried and why each failed; ``wrapped``
    lists the (provider, key id) pairs the message carries."""

    kind = "envelope_no_usable_key"

    def __init__(
        self,
        message: str,
        *,
        attempts: tuple[Attempt, ...] = (),
        wrapped: tuple[tuple[str, str], ...] = (),
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.attempts = attempts
        self.wrapped = wrapped


class TooManyWrappedKeysError(EnvelopeError):
    """The message carries more wrapped keys (``count``) than the decrypt allows
    (``limit``, its ``max_wrapped_keys``). Raised while reading the header, before
    any KMS call: a crafted message cannot make the caller's credentials decrypt
    a long list of ciphertexts."""

    kind = "envelope_too_many_wrapped_keys"

    def __init__(self, message: str, *, count: int, limit: int, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.count = count
        self.limit = limit
