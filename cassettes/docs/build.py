"""Build the documentation-derived cassettes: the vendors' published examples, through our adapters.

Each registered dialect declares its documented calls (Encrypt, Decrypt, GenerateDataKey, or
one of their documented error answers) in its package, ``ContractSupport.doc_examples``
(``unikms/dialects/<name>/doc_examples.py``; the format is :mod:`unikms.contract.doc_examples`),
so a new dialect adds its examples without editing this file. For each, a stub HTTP server on
127.0.0.1 answers with the documented response (status, headers, body) while the real adapter
makes the neutral call, recorded with the project's vcrpy preset
(``cassette_vcr(record_mode="all")``), so the request in the cassette is exactly what our
adapter sends and credentials are scrubbed as in every other cassette. The top-level
``unikms:`` entry then says where the answer comes from (``source``), what was substituted
(``note``), which neutral call replays it (``call``) and what the adapter must turn it into
(``expect``); ``tests/test_doc_cassettes.py`` checks that.

Run with the project venv, from the repository root::

    .venv/bin/python cassettes/docs/build.py [dialect ...]

Existing cassettes under ``cassettes/docs/<dialect>/`` are replaced (only the named dialects'
if any are named). Documented values are masked with ``****``: ids are kept verbatim (the
adapters pass them through as strings), while Base64 and binary fields that the adapters
decode get a stated stand-in (``****`` -> ``AAAA``).
"""

from __future__ import annotations

import base64
import contextlib
import http.server
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT.parent.parent), str(ROOT.parent.parent / "adapters")]

import yaml  # noqa: E402

import unikms  # noqa: E402
from unikms.contract.cassettes import cassette_vcr, load_cassette  # noqa: E402
from unikms.contract.targets import emulator_urls  # noqa: E402
from unikms.dialects import dialect_packages  # noqa: E402
from unikms.emulator.credentials import EmulatorCredentials  # noqa: E402
from unikms.types import Dialect  # noqa: E402

REPLAY_ENDPOINT = "127.0.0.1:9"


def examples(names: set[str] | None = None) -> list[tuple[Dialect, Mapping[str, Any]]]:
    """Every registered dialect's documented examples (those of ``names`` if given)."""
    out: list[tuple[Dialect, Mapping[str, Any]]] = []
    for package in dialect_packages():
        declared = package.contract.doc_examples if package.contract else None
        if declared is None or (names is not None and package.name not in names):
            continue
        out.extend((Dialect(package.name), example) for example in declared())
    return out


# -- recording ----------------------------------------------------------------------------
class _Stub(http.server.BaseHTTPRequestHandler):
    answer: ClassVar[Mapping[str, Any]] = {}

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer = type(self).answer
        body = answer["body"]
        self.send_response_only(answer["status"])
        for name, value in answer["headers"].items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def stub_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def neutral_call(kms: Any, call: dict[str, Any]) -> Any:
    """Make the documented call through the neutral API (the same as the test does)."""
    from unikms.types import KeyVersion

    context = call.get("context")
    if call["method"] == "encrypt":
        version = KeyVersion[call.get("version", "PRIMARY")]
        plaintext = base64.b64decode(call["plaintext_b64"])
        return kms.encrypt(call["key"], plaintext, context=context, version=version)
    if call["method"] == "decrypt":
        ciphertext = call.get("ciphertext_text") or base64.b64decode(call["ciphertext_b64"])
        return kms.decrypt(ciphertext, context=context)
    return kms.generate_data_key(
        call["key"], number_of_bytes=call["number_of_bytes"], context=context
    )


def record(
    dialect: Dialect, example: Mapping[str, Any], urls: dict[Dialect, str], endpoint: str
) -> Path:
    out = ROOT / dialect.value
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{example['name']}.yaml"
    path.unlink(missing_ok=True)
    _Stub.answer = example["response"]
    kms = unikms.connect(urls[dialect])
    try:
        # credentials are scrubbed as usual; the answers are the vendors' published examples
        config = cassette_vcr(out, record_mode="all", scrub_answers=False)
        # an error answer raises: the test checks what it became
        with config.use_cassette(path.name), contextlib.suppress(unikms.KmsError):
            neutral_call(kms, example["call"])
    finally:
        kms.close()
    doc = load_cassette(path)
    assert len(doc["interactions"]) == 1, f"{path}: expected exactly one request"
    for interaction in doc["interactions"]:  # the stub's port would change on every build
        request = interaction["request"]
        request["uri"] = request["uri"].replace(endpoint, REPLAY_ENDPOINT)
        for name, values in request["headers"].items():
            if name.lower() == "host":
                request["headers"][name] = [v.replace(endpoint, REPLAY_ENDPOINT) for v in values]
    doc["unikms"] = {
        "kind": "documentation-derived",
        "dialect": dialect.value,
        "source": list(example["source"]),
        "note": example["note"],
        "produced_by": "cassettes/docs/build.py (the real adapter against a stub answering "
        "with the documented response)",
        "call": example["call"],
        "expect": example["expect"],
    }
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(doc, fh, sort_keys=False, allow_unicode=True, width=100)
    return path


def main(argv: list[str]) -> None:
    names = set(argv) or None
    with tempfile.TemporaryDirectory() as tmp, stub_server() as endpoint:
        key = EmulatorCredentials().issue_client_key(tmp)
        urls = emulator_urls(endpoint, str(key.path), key.password)
        for dialect, example in examples(names):
            print(record(dialect, example, urls, endpoint).relative_to(ROOT.parent.parent))


if __name__ == "__main__":
    main(sys.argv[1:])
