"""Root conftest: every code block of README.md and docs/*.md is a test (Sybil).

The parser and the convention are in tests/doc_blocks.py and docs/contributing.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sybil import Sybil

from tests.doc_blocks import DOC_PAGES, DocBlockParser, page_setup, page_teardown

_collect = Sybil(
    parsers=[DocBlockParser()],
    patterns=["*.md"],
    setup=page_setup,
    teardown=page_teardown,
    name="docs",
).pytest()
_PAGES = frozenset(DOC_PAGES)


def pytest_collect_file(file_path: Path, parent: Any) -> Any:
    """README.md and docs/*.md only (not the sample suite's README, nor any other page)."""
    if file_path.resolve() in _PAGES:
        return _collect(file_path, parent)
    return None
