"""Documentation-derived examples: the vendors' published requests and answers, as data.

A dialect package declares its examples with ``ContractSupport.doc_examples``, a callable
returning a list of :data:`DocExample` (loaded only when called: ``import unikms`` reads
none of them). ``cassettes/docs/build.py`` iterates over the registered dialects, plays
each example's documented ``response`` to the dialect's real adapter from a stub server,
and writes ``cassettes/docs/<dialect>/<name>.yaml``; ``tests/test_doc_cassettes.py``
replays them. An example is a mapping with:

``name``
    the cassette's file name: ``encrypt``, ``decrypt``, ``generate_data_key``, or one of
    those followed by ``_`` and what the documented error is (``encrypt_key_not_found``);
``source``
    where the answer comes from (addresses, stored copies), a list of strings;
``note``
    what was substituted and why (masks, values the docs do not give);
``call``
    the neutral call (:func:`encrypt_call`, :func:`decrypt_call`, :func:`gdk_call`);
``response``
    the documented answer: ``status``, ``headers`` and ``body`` (bytes);
``expect``
    what the adapter must make of it (:func:`ok`, :func:`failed`).

The helpers below are shared by every dialect's examples.
"""

from __future__ import annotations

import base64
from typing import Any

from unikms.contract.scenarios import PUBLIC_PLAINTEXTS

__all__ = [
    "HELLO",
    "DocExample",
    "b64",
    "decrypt_call",
    "encrypt_call",
    "failed",
    "gdk_call",
    "ok",
    "unmask",
]

#: one documented example (see the module's docstring)
DocExample = dict[str, Any]

#: b"unikms contract: hello": the plaintext sent where the docs give a masked one
HELLO = PUBLIC_PLAINTEXTS[0]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unmask(text: str) -> str:
    """A documented Base64 value with its ``****`` mask replaced by ``AAAA``, and the ``=``
    padding added where the documented value's length needs it (valid Base64)."""
    out = text.replace("****", "AAAA")
    out += "=" * (-len(out) % 4)
    base64.b64decode(out, validate=True)
    return out


def ok(
    result: str, key_id: str, version: str | None, request_id: str, **more: Any
) -> dict[str, Any]:
    """The neutral result expected: its class, ids, request id, and any of ``algorithm``,
    ``plaintext_b64``, ``ciphertext_b64``, ``iv_b64``."""
    return {
        "result": result,
        "key_id": key_id,
        "key_version_id": version,
        "request_id": request_id,
        **more,
    }


def failed(error: str, code: str, status: int, request_id: str) -> dict[str, Any]:
    """The neutral error expected: its class, native code, HTTP status and request id."""
    return {"error": error, "code": code, "http_status": status, "request_id": request_id}


def encrypt_call(key: str, plaintext: bytes, **more: Any) -> dict[str, Any]:
    return {"method": "encrypt", "key": key, "plaintext_b64": b64(plaintext), **more}


def decrypt_call(ciphertext: str | bytes, **more: Any) -> dict[str, Any]:
    """``kms.decrypt(str)`` (a native text ciphertext) or ``kms.decrypt(bytes)``."""
    if isinstance(ciphertext, str):
        return {"method": "decrypt", "ciphertext_text": ciphertext, **more}
    return {"method": "decrypt", "ciphertext_b64": b64(ciphertext), **more}


def gdk_call(key: str, number_of_bytes: int, **more: Any) -> dict[str, Any]:
    return {"method": "generate_data_key", "key": key, "number_of_bytes": number_of_bytes, **more}
