"""The code blocks of ``README.md`` and ``docs/*.md``, run as a reader would paste them.

Sybil (the ``test`` extra) finds the fenced blocks of each page; this module decides what
each one is and runs it. The convention, for doc authors, is in ``docs/contributing.md``:

* ```` ```python ````: run, in page order, in one namespace per page, with a temporary
  directory of the page's own as the working directory;
* ```` ```sh ````: run by ``bash`` (``set -e -o pipefail``) in that same directory, with
  the ``unikms`` entry point of the virtualenv on ``PATH``, ``HOME`` inside the directory,
  no proxy variables and no ``$UNIKMS_URL``;
* ```` ```text ````: not code (output, byte layouts, grammars); never run;
* ``<!-- file: NAME -->`` on the line before a block: the block is the file ``NAME``
  (written into the page's directory for the blocks after it; Python is compiled, JSON
  parsed). ``<!-- file: NAME (REPO/PATH) -->`` also requires the block to be the
  repository's file ``REPO/PATH`` byte for byte;
* ``<!-- not run: REASON -->`` on the line before a block: not run, for the reason given
  (the page must also say so where a reader sees it).

Any other block (no language, another language, a marker without a reason) is refused:
its test fails, naming the page and line.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sybil import Document, Example, Region
from sybil.evaluators.python import PythonEvaluator
from sybil.parsers.markdown.lexers import FencedCodeBlockLexer

__all__ = [
    "DOC_PAGES",
    "ROOT",
    "DocBlock",
    "DocBlockError",
    "DocBlockParser",
    "page_setup",
    "page_teardown",
    "run_page",
    "shell_env",
]

ROOT = Path(__file__).resolve().parent.parent
DOC_PAGES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))

_MARKER = re.compile(r"^\s*<!--\s*(?P<kind>not run|file)\s*:\s*(?P<arg>.*?)\s*-->\s*$")
_FILE_ARG = re.compile(r"^(?P<name>[^\s()]+)(?:\s+\((?P<repo_path>[^\s()]+)\))?$")
_PROXY_VARS = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")
SHELL_TIMEOUT = 300


class DocBlockError(AssertionError):
    """A documented block failed or is not allowed; the message starts with ``page:line``."""


@dataclass(frozen=True)
class DocBlock:
    """One fenced block: what it is (``python``, ``sh``, ``file``, ``refused``) and its text."""

    kind: str
    language: str
    source: str
    where: str
    argument: str = ""


def _where(document: Document, line: int) -> str:
    try:
        page = Path(document.path).resolve().relative_to(ROOT)
    except ValueError:
        page = Path(document.path)
    return f"{page}:{line}"


def _marker_before(text: str, start: int) -> tuple[str, str] | None:
    """The ``not run``/``file`` marker on the last non-blank line before ``start``."""
    before = text[:start].rstrip().rsplit("\n", 1)[-1]
    found = _MARKER.match(before)
    return (found["kind"], found["arg"]) if found else None


class DocBlockParser:
    """A Sybil parser for every fenced block of a page (see the module docstring).

    ``kinds`` limits what gets an example: the fresh-virtualenv test runs only the ``sh``
    and ``file`` blocks with another ``unikms``; the suite runs everything.
    """

    def __init__(self, kinds: Iterable[str] = ("python", "sh", "file", "refused")) -> None:
        self.kinds = frozenset(kinds)
        self._lexer = FencedCodeBlockLexer(language=r"[^\n]*")
        self._python = PythonEvaluator()

    def __call__(self, document: Document) -> Iterator[Region]:
        for region in self._lexer(document):
            language = str(region.lexemes["language"]).strip()
            source = region.lexemes["source"]
            line = document.text.count("\n", 0, region.start) + 1
            where = _where(document, line)
            block = self._classify(language, str(source), where, document.text, region.start)
            if block is None or block.kind not in self.kinds:
                continue
            if block.kind == "python":
                region.parsed = source  # a Lexeme: tracebacks name the page's own lines
                region.evaluator = self._python
            else:
                region.parsed = block
                region.evaluator = _evaluate
            yield region

    @staticmethod
    def _classify(language: str, source: str, where: str, text: str, start: int) -> DocBlock | None:
        marker = _marker_before(text, start)
        if marker is not None:
            kind, argument = marker
            if kind == "not run":
                if not argument:
                    return DocBlock("refused", language, source, where, "'not run' gives no reason")
                return None
            if not _FILE_ARG.match(argument):
                return DocBlock("refused", language, source, where, f"bad file marker {argument!r}")
            return DocBlock("file", language, source, where, argument)
        if language in ("python", "sh"):
            return DocBlock(language, language, source, where)
        if language == "text":
            return None
        shown = f"```{language}" if language else "``` (no language)"
        return DocBlock(
            "refused",
            language,
            source,
            where,
            f"a {shown} block is neither run nor marked: make it python or sh, mark it "
            "<!-- file: NAME --> or <!-- not run: REASON -->, or tag output ```text "
            "(docs/contributing.md)",
        )


def _evaluate(example: Example) -> None:
    block: DocBlock = example.parsed
    namespace = example.namespace
    if block.kind == "refused":
        raise DocBlockError(f"{block.where}: {block.argument}")
    workdir = Path(namespace["workdir"])
    if block.kind == "file":
        _write_file(block, workdir)
    elif block.kind == "sh":
        run_shell(block, workdir, Path(namespace["bin_dir"]))


def _write_file(block: DocBlock, workdir: Path) -> None:
    arg = _FILE_ARG.match(block.argument)
    assert arg is not None
    name, repo_path = arg["name"], arg["repo_path"]
    if repo_path is not None:
        actual = (ROOT / repo_path).read_text("utf-8")
        if actual != block.source:
            raise DocBlockError(
                f"{block.where}: the block is not {repo_path} as it is in the repository; "
                "paste the file again"
            )
    if block.language == "python":
        compile(block.source, f"{block.where} ({name})", "exec", dont_inherit=True)
    elif block.language == "json":
        try:
            json.loads(block.source)
        except ValueError as e:
            raise DocBlockError(f"{block.where}: {name} is not JSON: {e}") from None
    target = workdir / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(block.source, "utf-8")


def shell_env(workdir: Path, bin_dir: Path) -> dict[str, str]:
    """The environment of a documented shell block: a reader's shell, in ``workdir``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _PROXY_VARS
        and not k.startswith(("PYTEST_", "UNIKMS_", "XDG_", "VIRTUAL_ENV", "PYTHON"))
    }
    home = workdir / ".home"
    home.mkdir(exist_ok=True)
    env["HOME"] = str(home)
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "/usr/bin:/bin")])
    env["VIRTUAL_ENV"] = str(bin_dir.parent)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_shell(block: DocBlock, workdir: Path, bin_dir: Path) -> None:
    """Run a ``sh`` block with ``bash -e -o pipefail``; a failure names the page and line."""
    try:
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", block.source],
            cwd=workdir,
            env=shell_env(workdir, bin_dir),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=SHELL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DocBlockError(
            f"{block.where}: the sh block ran over {SHELL_TIMEOUT} s (with {bin_dir}/unikms)"
        ) from None
    if done.returncode != 0:
        raise DocBlockError(
            f"{block.where}: the sh block failed with exit status {done.returncode} "
            f"(with {bin_dir}/unikms)\n--- block\n{block.source}--- stdout\n{done.stdout[-4000:]}"
            f"--- stderr\n{done.stderr[-4000:]}"
        )


def page_setup(namespace: dict[str, Any], bin_dir: Path | None = None) -> None:
    """Sybil's per-page set-up: a temporary working directory, no proxies, no $UNIKMS_URL."""
    workdir = Path(tempfile.mkdtemp(prefix="unikms-doc-"))
    saved = {k: os.environ.pop(k) for k in (*_PROXY_VARS, "UNIKMS_URL") if k in os.environ}
    namespace.update(
        workdir=str(workdir),
        bin_dir=str(bin_dir or Path(sys.executable).parent),  # this virtualenv's unikms
        _saved_env=saved,
        _saved_cwd=os.getcwd(),
    )
    os.chdir(workdir)


def page_teardown(namespace: dict[str, Any]) -> None:
    """Undo :func:`page_setup`: back to the old directory and environment, files removed."""
    os.chdir(namespace.pop("_saved_cwd"))
    os.environ.update(namespace.pop("_saved_env"))
    shutil.rmtree(namespace.pop("workdir"), ignore_errors=True)


def run_page(page: Path, bin_dir: Path, kinds: Iterable[str] = ("sh", "file")) -> int:
    """Run the ``kinds`` blocks of one page with ``bin_dir``'s programs; return how many ran."""
    document = Document.parse(str(page), DocBlockParser(kinds))
    page_setup(document.namespace, bin_dir)
    ran = 0
    try:
        for example in document.examples():
            example.evaluate()
            ran += 1
    finally:
        page_teardown(document.namespace)
    return ran
