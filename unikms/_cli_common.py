"""What the ``unikms`` command and its envelope commands share (``unikms.cli``,
``unikms.envelope.cli``): kept apart so that neither has to import the other's module."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import BinaryIO

from unikms._output import output_file, stdout_output

__all__ = ["DEMO_KEY", "UsageError", "open_output", "parse_context"]

DEMO_KEY = "alias/demo"


class UsageError(Exception):
    """A command line that cannot run as written: one line on stderr, exit status 2."""


def parse_context(pairs: Sequence[str]) -> dict[str, str] | None:
    """``--context name=value`` options as an encryption context (``None`` for none).

    >>> parse_context(["app=db", "env=prod"])
    {'app': 'db', 'env': 'prod'}
    >>> parse_context(["app"])
    Traceback (most recent call last):
    ...
    unikms._cli_common.UsageError: --context takes name=value, got 'app'
    """
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--context takes name=value, got {pair!r}")
        out[name] = value
    return out or None


@contextmanager
def open_output(
    path: str | None, *, binary: bool, spool: bool = False, field: str = "output"
) -> Iterator[BinaryIO]:
    """``-o PATH`` (the one writer, ``unikms._output``) or stdout for ``None``/``-``."""
    if path and path != "-":
        with output_file(path, field=field, binary=binary, spool=spool) as out:
            yield out
    else:
        with stdout_output(binary=binary) as out:
            yield out
