"""Encryption contexts as bytes: the one JSON form every layer binds and sends.

Core, not a dialect's: the dialects lower a context with it, the client checks its
size with it, and envelope messages bind it into their frames.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

__all__ = ["canonical_context_json"]


def canonical_context_json(context: Mapping[str, str]) -> str:
    """The one serialization of an encryption context used for AAD and JSON fields.

    Keys sorted, compact separators, non-ASCII kept as is (so a character counts
    once against Tencent's 1024-character limit)::

        >>> canonical_context_json({"b": "2", "a": "é"})
        '{"a":"é","b":"2"}'
    """
    last = _last_context[0]
    if last[0] == context:
        return last[1]  # a call checks, lowers and binds the same context: encode it once
    copy = dict(context)
    text = _CONTEXT_ENCODER.encode(copy)
    if all(type(k) is str and type(v) is str for k, v in copy.items()):
        # remembered only when all str: an equal mapping then has the same JSON
        # (with other types, 1 == 1.0 == True would share one)
        _last_context[0] = (copy, text)
    return text


# one encoder, built once: json.dumps with options builds a new one per call
_CONTEXT_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
#: the last context encoded (a private copy) with its JSON; replaced whole, so thread-safe
_last_context: list[tuple[dict[str, str], str]] = [({}, "{}")]
