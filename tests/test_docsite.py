"""The documentation site: built with ``mkdocs build --strict``, and opened in headless
Chromium (Debian's ``chromium``, driven through the Chrome DevTools protocol).

The browser test serves the built site on 127.0.0.1 (a free port), opens the main pages,
fails on any console error, uncaught exception or failed request, checks that each page
rendered its title, that the site search finds a dialect's error code, and saves a
screenshot of each page in ``build/screenshots/`` (git ignores ``build/``) for a person
to look at. Chromium is found on ``PATH`` (``.ci/run`` installs it), or installed with
``apt-get`` when the test runs as root; the test is skipped, saying why, only when neither
works.
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.docsite import FEATURES_PAGE, REFERENCE, REGENERATE, ROOT, feature_matrix

pytest.importorskip("mkdocs", reason="the docs extra (mkdocs) is not installed")

SCREENSHOTS = ROOT / "build" / "screenshots"
#: the pages the browser opens: every generated page and the main guides
MAIN_PAGES = (
    "index.html",
    "getting-started.html",
    "migration.html",
    "features.html",
    "envelope.html",
    "emulator.html",
    "tink.html",
    "reference.html",
)
#: a dialect error code the search must find (Tencent's key-not-found)
SEARCHED_CODE = "ResourceUnavailable.CmkNotFound"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--window-size=1280,900",
    "--remote-debugging-port=0",
    "--remote-allow-origins=*",
)


def _mkdocs_build(
    site: Path, config: Path = ROOT / "mkdocs.yml"
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def _docs_copy(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)
    return docs


def _config_for(tmp_path: Path, docs: Path) -> Path:
    """The site's configuration over another docs directory (without the API reference:
    faster, and not what these tests look at)."""
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\ndocs_dir: {docs}\nhooks: [{ROOT / 'tests/docsite.py'}]\n"
        "plugins:\n  - search\n",
        encoding="utf-8",
    )
    return config


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    built = _mkdocs_build(out)
    assert built.returncode == 0, f"mkdocs build --strict failed:\n{built.stderr}"
    return out


def test_the_site_builds_strictly_with_every_page(site: Path) -> None:
    pages = {p.name for p in (ROOT / "docs").glob("*.md")}
    for page in sorted(pages | {"index.md", "features.md", "reference.md"}):
        assert (site / page.replace(".md", ".html")).is_file(), page
    # the README is the home page, its docs/ links made site links
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="dialects.html"' in home and 'href="docs/' not in home
    # a link to a repository file outside docs/ is served from the site
    assert (site / "repo" / "tests" / "vectors" / "envelope-v1.json").is_file()
    reference = (site / "reference.html").read_text(encoding="utf-8")
    for module, _ in REFERENCE:
        assert f"<code>{module}</code>" in reference, module
    assert "Encrypt up to the dialect" in reference  # KmsClient.encrypt's docstring


def test_the_feature_matrix_page_is_current() -> None:
    """docs/features.md is what the dialects' rules say now (else: regenerate it)."""
    page = (ROOT / "docs" / FEATURES_PAGE).read_text(encoding="utf-8")
    assert page == feature_matrix(), f"docs/{FEATURES_PAGE} is stale: {REGENERATE}"


def test_a_stale_feature_matrix_fails_the_build(tmp_path: Path) -> None:
    docs = _docs_copy(tmp_path)
    page = docs / FEATURES_PAGE
    page.write_text(page.read_text(encoding="utf-8").replace("| yes |", "| — |", 1))
    built = _mkdocs_build(tmp_path / "site", _config_for(tmp_path, docs))
    assert built.returncode != 0
    assert "tests.docsite features --write" in built.stderr


def test_the_feature_matrix_is_every_dialects_rules(site: Path) -> None:
    from unikms.dialects import dialect_packages
    from unikms.dialects.base import Feature
    from unikms.errors import ERROR_KINDS

    page = feature_matrix()
    for package in dialect_packages():
        assert f"### `{package.name}`" in page
        for code, spec in package.rules.errors.items():
            row = f"| `{code}` | {spec.http_status} | `{ERROR_KINDS[spec.kind].__name__}` |"
            assert row in page, row
    plaintext = " | ".join(str(p.rules.limits.max_plaintext) for p in dialect_packages())
    assert f"| plaintext of one `encrypt` (bytes) | {plaintext} |" in page
    for feature in Feature:
        assert f"| `{feature.value}` |" in page
    html = (site / "features.html").read_text(encoding="utf-8")
    assert SEARCHED_CODE in html


@pytest.mark.parametrize(
    ("link", "complaint"),
    [("[gone](no-such-page.md)", "no-such-page.md"), ("[gone](../no/such/file.py)", "no/such")],
)
def test_a_broken_link_fails_the_build(tmp_path: Path, link: str, complaint: str) -> None:
    docs = _docs_copy(tmp_path)
    with (docs / "cli.md").open("a", encoding="utf-8") as page:
        page.write(f"\nSee {link}.\n")
    built = _mkdocs_build(tmp_path / "site", _config_for(tmp_path, docs))
    assert built.returncode != 0
    assert complaint in built.stderr


# -- the browser ------------------------------------------------------------------


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (
            ["apt-get", "update", "-q"],
            ["apt-get", "install", "-y", "-q", "chromium"],
        ):
            done = subprocess.run(
                command, check=False, capture_output=True, text=True, env=env, timeout=900
            )
            if done.returncode != 0:
                pytest.skip(f"no chromium, and {' '.join(command)} failed: {done.stderr[-500:]}")
        found = shutil.which("chromium")
        if found:
            return found
    pytest.skip("no chromium on PATH and no way to install it (needs root and apt-get)")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class DevTools:
    """One Chromium tab over the DevTools protocol: commands, and the events seen."""

    def __init__(self, ws_url: str) -> None:
        import websocket  # websocket-client, in the docs extra

        self._ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        self._ws.close()

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._next += 1
        ident = self._next
        self._ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == event for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(event)
            self._ws.settimeout(max(0.1, deadline - time.monotonic()))
            self.events.append(json.loads(self._ws.recv()))
        self._ws.settimeout(60)

    def evaluate(self, expression: str) -> Any:
        answer = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return answer["result"].get("value")

    def poll(self, expression: str, timeout: float = 20) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.2)

    def errors(self) -> list[str]:
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(json.dumps(params["exceptionDetails"])[:500])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(json.dumps(params.get("args"))[:500])
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                entry = params["entry"]
                found.append(f"{entry.get('text')} {entry.get('url', '')}")
        return found

    def screenshot(self, path: Path) -> None:
        shot = self.send("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    executable = _chromium()
    pytest.importorskip("websocket", reason="websocket-client (the docs extra) is not installed")
    profile = tmp_path_factory.mktemp("chromium-profile")
    log = (profile.parent / "chromium.log").open("wb")
    process = subprocess.Popen(
        [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.is_file() and port_file.read_text().count("\n") >= 1):
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                output = (profile.parent / "chromium.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"chromium did not start (exit {process.poll()}):\n{output}")
            time.sleep(0.1)
        port = port_file.read_text().split("\n")[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as answer:
            targets = json.load(answer)
        page = next(t for t in targets if t.get("type") == "page")
        tab = DevTools(page["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log"):
            tab.send(f"{domain}.enable")
        yield tab
        tab.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _open(tab: DevTools, url: str) -> None:
    tab.events.clear()
    tab.send("Page.navigate", url=url)
    tab.wait_for("Page.loadEventFired")
    time.sleep(0.3)  # late errors: scripts that run after load
    tab.evaluate("1")  # collect the events that arrived meanwhile


@pytest.mark.parametrize("page", MAIN_PAGES)
def test_main_pages_render_without_console_errors(
    browser: DevTools, served: str, page: str
) -> None:
    _open(browser, f"{served}/{page}")
    title = browser.poll("document.querySelector('article h1')?.textContent ?? ''")
    assert title.strip(), f"{page}: no title rendered"
    shown = browser.evaluate("document.querySelector('article').innerText.length")
    assert shown > 200, f"{page}: almost nothing rendered ({shown} characters)"
    assert browser.evaluate("document.querySelector('.md-nav') !== null"), "no navigation"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.screenshot(SCREENSHOTS / page.replace(".html", ".png"))
    assert browser.errors() == [], f"{page}: errors in the browser console"


def test_search_finds_a_dialect_error_code(browser: DevTools, served: str) -> None:
    _open(browser, f"{served}/index.html?q={SEARCHED_CODE}")
    results = browser.poll(
        "Array.from(document.querySelectorAll('.md-search-result__item'))"
        ".map(e => [e.querySelector('a')?.getAttribute('href'), e.innerText])",
        timeout=30,
    )
    assert results, "the search showed no result"
    hits = [href for href, text in results if "CmkNotFound" in text]
    assert any(href and "features.html" in href for href in hits), results
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.screenshot(SCREENSHOTS / "search.png")
    assert browser.errors() == [], "errors in the browser console while searching"
