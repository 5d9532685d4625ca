"""The plaintexts contract scenarios send: public constants, so a transcript may record
them by digest and a cassette may hold them (``docs/contract.md``). Their own module
because the scenarios send them and the transcript recognises them."""

from __future__ import annotations

__all__ = ["PUBLIC_PLAINTEXTS"]

#: every plaintext a scenario sends; nothing else may appear in a cassette
PUBLIC_PLAINTEXTS = (
    b"unikms contract: hello",
    b"unikms contract: context",
    b"unikms contract: rotation before",
    b"unikms contract: rotation after",
    b"unikms contract: states",
    b"unikms contract: tamper me",
    b"unikms contract: " + b"L" * 4079,  # 4096 bytes: the smallest dialect limit
)
