"""The documented examples, as a new user meets them.

Every block of README.md and docs/*.md is itself a test (root ``conftest.py``, Sybil,
``tests/doc_blocks.py``). This file checks the convention that makes that true (a block
neither run nor marked is refused, by page and line), the one output a page shows, and,
in a fresh virtualenv, the README's set-up and every shell example with that
virtualenv's ``unikms``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sybil import Document

from tests.doc_blocks import DOC_PAGES, ROOT, DocBlockError, DocBlockParser, run_page
from tests.test_pytest_plugin import copy_sample, run_pytest

BIN = Path(sys.executable).parent


def _run_all(page: Path, bin_dir: Path = BIN) -> int:
    return run_page(page, bin_dir, kinds=("python", "sh", "file", "refused"))


def test_a_block_neither_run_nor_marked_is_refused_by_page_and_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    cases = [
        ("```yaml\na: 1\n```\n", 5, "a ```yaml block is neither run nor marked"),
        ("```\nplain\n```\n", 5, "a ``` (no language) block is neither run nor marked"),
        ("<!-- not run: -->\n```python\nraise SystemExit\n```\n", 6, "'not run' gives no reason"),
    ]
    for text, line, message in cases:
        page.write_text("# A page\n\nSome prose.\n\n" + text, "utf-8")
        with pytest.raises(DocBlockError) as caught:
            _run_all(page)
        assert str(caught.value).startswith(f"{page}:{line}: {message}"), caught.value


def test_marked_and_text_blocks_are_not_run(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "Not run, and the reader is told why.\n\n"
        "<!-- not run: needs a cloud account -->\n```sh\nexit 1\n```\n\n"
        "```text\nnot code\n```\n\n"
        "```python\nran = True\n```\n",
        "utf-8",
    )
    assert _run_all(page) == 1


def test_a_failing_shell_block_names_its_page_and_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# A page\n\n```sh\nunikms --no-such-option\n```\n", "utf-8")
    with pytest.raises(DocBlockError, match=r"page\.md:3: the sh block failed with exit status 2"):
        _run_all(page)


def test_a_failing_python_block_points_at_its_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# A page\n\n```python\nx = 1\nassert x == 2\n```\n", "utf-8")
    with pytest.raises(AssertionError) as caught:
        _run_all(page)
    assert any(entry.path == page and entry.lineno + 1 == 5 for entry in caught.traceback), (
        caught.traceback
    )


def test_a_file_block_must_be_the_repository_file(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    good = (ROOT / "examples/pytest-sample/pytest.ini").read_text("utf-8")
    marker = "<!-- file: pytest.ini (examples/pytest-sample/pytest.ini) -->\n"
    page.write_text(f"{marker}```ini\n{good}```\n\n```sh\ngrep -q pythonpath pytest.ini\n```\n")
    assert _run_all(page) == 2
    page.write_text(f"{marker}```ini\n{good}extra = 1\n```\n", "utf-8")
    with pytest.raises(DocBlockError, match=r"page\.md:2: the block is not examples/pytest"):
        _run_all(page)


def test_blocks_of_a_page_share_its_directory_and_namespace(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        '<!-- file: seed.json -->\n```json\n{"a": 1}\n```\n\n'
        "```sh\necho shell > made.txt\n```\n\n"
        '```python\nimport json\nseed = json.load(open("seed.json"))\n```\n\n'
        '```python\nassert seed == {"a": 1}\nassert open("made.txt").read() == "shell\\n"\n```\n',
        "utf-8",
    )
    assert _run_all(page) == 4
    assert not (tmp_path / "made.txt").exists()  # the page's own directory, removed after


def test_a_plain_pytest_collects_the_pages(pytestconfig: pytest.Config) -> None:
    """README.md and docs/ are in pytest's testpaths, so the README's test command runs them."""
    assert {"README.md", "docs"} <= set(pytestconfig.getini("testpaths"))
    for page in DOC_PAGES:  # and every page parses (a malformed marker fails here too)
        Document.parse(str(page), DocBlockParser())


def _doc_output_block(page: Path) -> str:
    blocks = re.findall(r"^```text\n(.*?)^```$", page.read_text("utf-8"), re.M | re.S)
    assert len(blocks) == 1, blocks
    return str(blocks[0])


def test_the_plugins_mismatch_output_shown_in_the_docs_is_what_it_prints(tmp_path: Path) -> None:
    shown = _doc_output_block(ROOT / "docs" / "pytest-plugin.md")
    suite = copy_sample(tmp_path, cassettes=True)
    test_file = suite / "tests" / "test_orders_cassettes.py"
    test_file.write_text(test_file.read_text("utf-8").replace("quantity=6", "quantity=7"))
    done = run_pytest(suite)
    assert done.returncode == 1, done.stdout + done.stderr
    assert shown.replace("/home/you/orders", str(suite)) in done.stdout, done.stdout


def _readme_try_it_command() -> str:
    readme = (ROOT / "README.md").read_text("utf-8")
    command = re.search(r"^## Set-up\n.*?^```sh\n(.*?)\n^```$", readme, re.M | re.S)
    assert command is not None
    assert command[1].startswith("python3 -m venv .venv && .venv/bin/pip install . && ")
    return str(command[1])


_NOT_SOURCE = shutil.ignore_patterns(
    ".venv", ".git", "__pycache__", "*.egg-info", ".pytest_cache", ".mypy_cache",
    ".ruff_cache", ".hypothesis", "build", "dist",
)  # fmt: skip


def test_a_new_user_in_a_fresh_virtualenv(tmp_path: Path) -> None:
    """The README's try-it command, verbatim, in a clean copy of the tree; then every shell
    example of README.md and docs/ with that virtualenv's unikms (after the extras the pages
    tell a reader to install for the emulator, the adapters and the pytest plugin)."""
    tree = tmp_path / "unikms"
    shutil.copytree(ROOT, tree, ignore=_NOT_SOURCE)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != BIN
    )  # python3 is the machine's, not this suite's virtualenv

    def run(*command: str) -> str:
        done = subprocess.run(
            command, cwd=tree, env=env, capture_output=True, text=True, timeout=900, check=False
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done.stdout

    output = run("bash", "-e", "-o", "pipefail", "-c", _readme_try_it_command())
    assert output.endswith("\nhello, kms\n"), output  # after pip's own output
    fresh = tree / ".venv" / "bin"
    assert not (fresh / "pytest").exists()  # the plain install: no test tools, no extras
    extras = "[emulator,alibaba,alibaba-instance,aws,tencent,contract]"
    run(str(fresh / "pip"), "install", "-q", f"{tree}{extras}", "pytest")

    shell_blocks = {
        page: len(list(Document.parse(str(page), DocBlockParser(["sh"])).examples()))
        for page in DOC_PAGES
    }
    assert shell_blocks[ROOT / "README.md"] >= 1
    assert sum(shell_blocks.values()) >= 4, shell_blocks
    for page in DOC_PAGES:
        assert run_page(page, fresh) >= shell_blocks[page]  # every sh block, and the files
