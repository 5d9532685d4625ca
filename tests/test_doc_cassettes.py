"""The vendors' documented examples, replayed through the adapters.

Each cassette under ``cassettes/docs/<dialect>/`` holds one documented call (Encrypt,
Decrypt, GenerateDataKey or one of their documented error answers), recorded through the
real adapter by ``cassettes/docs/build.py``. Its ``unikms:`` entry names the neutral call
and the outcome the adapter must produce; here the call is replayed with no network at all
and its result (or error) must equal that outcome: ids, version reporting, request id,
bytes, error class, native code and HTTP status.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

import unikms
from unikms.contract.cassettes import cassette_vcr, load_cassette
from unikms.types import DataKey, DecryptResult, Dialect, EncryptResult, KeyVersion

DOCS = Path(__file__).resolve().parent.parent / "cassettes" / "docs"
CASSETTES = sorted(DOCS.glob("*/*.yaml"))


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode("ascii")


def call(kms: unikms.KmsClient, spec: dict[str, Any]) -> Any:
    """The neutral call a cassette documents."""
    context = spec.get("context")
    if spec["method"] == "encrypt":
        version = KeyVersion[spec.get("version", "PRIMARY")]
        plaintext = base64.b64decode(spec["plaintext_b64"])
        return kms.encrypt(spec["key"], plaintext, context=context, version=version)
    if spec["method"] == "decrypt":
        ciphertext = spec.get("ciphertext_text") or base64.b64decode(spec["ciphertext_b64"])
        return kms.decrypt(ciphertext, context=context)
    assert spec["method"] == "generate_data_key", spec
    return kms.generate_data_key(
        spec["key"], number_of_bytes=spec["number_of_bytes"], context=context
    )


def outcome(result: Any) -> dict[str, Any]:
    """What the adapter made of the answer, in the shape of the cassettes' ``expect``."""
    if isinstance(result, unikms.KmsError):
        return {
            "error": type(result).__name__,
            "code": result.code,
            "http_status": result.http_status,
            "request_id": result.request_id,
        }
    assert isinstance(result, EncryptResult | DecryptResult | DataKey), result
    out: dict[str, Any] = {
        "result": type(result).__name__,
        "key_id": result.key_id,
        "key_version_id": result.key_version_id,
        "request_id": result.request_id,
        "algorithm": result.algorithm,
    }
    if isinstance(result, EncryptResult | DataKey):
        out["ciphertext_b64"] = _b64(result.ciphertext)
    if isinstance(result, DecryptResult | DataKey):
        out["plaintext_b64"] = _b64(result.plaintext)
    if isinstance(result, EncryptResult):
        out["iv_b64"] = _b64(result.iv)
    return out


def replay(path: Path, urls: dict[Dialect, str]) -> dict[str, Any]:
    meta = load_cassette(path)["unikms"]
    kms = unikms.connect(urls[Dialect(meta["dialect"])])
    try:
        config = cassette_vcr(path.parent, record_mode="none")
        with config.use_cassette(path.name, allow_playback_repeats=False) as cassette:
            try:
                result = call(kms, meta["call"])
            except unikms.KmsError as error:
                result = error
            assert cassette.all_played, f"{path.name}: the adapter skipped a recorded request"
    finally:
        kms.close()
    return outcome(result)


def test_every_dialect_has_documented_examples() -> None:
    """Encrypt, Decrypt and GenerateDataKey, with at least one error each, per dialect."""
    for dialect in Dialect:
        names = {p.stem for p in CASSETTES if p.parent.name == dialect.value}
        for operation in ("encrypt", "decrypt", "generate_data_key"):
            assert operation in names, f"{dialect.value}: no documented {operation}"
            assert any(n.startswith(operation + "_") for n in names), (
                f"{dialect.value}: no documented {operation} error"
            )


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_documented_example_gives_the_neutral_outcome(
    path: Path, replay_urls: dict[Dialect, str], no_network: None
) -> None:
    meta = load_cassette(path)["unikms"]
    assert meta["kind"] == "documentation-derived"
    assert meta["dialect"] == path.parent.name
    assert meta["source"] and meta["note"]
    expect = meta["expect"]
    core = ("error", "code", "http_status") if "error" in expect else ("result", "key_id")
    assert {*core, "request_id"} <= set(expect), f"{path.name}: incomplete expect"
    if "result" in expect:
        assert "key_version_id" in expect, f"{path.name}: say what version is reported"
    got = replay(path, replay_urls)
    assert {k: got.get(k) for k in expect} == expect


def test_a_changed_documented_answer_is_caught(
    tmp_path: Path, replay_urls: dict[Dialect, str], no_network: None
) -> None:
    """The check reads the recorded answer: alter the error code and the outcome differs."""
    source = DOCS / "tencent" / "encrypt_cmk_not_found.yaml"
    altered = tmp_path / source.name
    text = source.read_text("utf-8")
    assert text.count("ResourceUnavailable.CmkNotFound") >= 2
    body_code = '"Code": "ResourceUnavailable.CmkNotFound"'
    assert body_code.replace('"', '\\"') in text  # the code inside the recorded JSON body
    altered.write_text(
        text.replace(
            body_code.replace('"', '\\"'),
            body_code.replace("CmkNotFound", "CmkDisabled").replace('"', '\\"'),
        ),
        "utf-8",
    )
    got = replay(altered, replay_urls)
    assert got["code"] == "ResourceUnavailable.CmkDisabled"
    assert got["error"] == "KeyUnavailableError"
