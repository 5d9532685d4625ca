"""vcrpy cassettes for every dialect's wire protocol: scrubbing, matching, recording,
replay. Each protocol's codec (:class:`~unikms.dialects.package.CassetteCodec`,
declared by its dialect package) says how its requests are recognised, which
headers and parameters are secret, and how its bodies are compared.

Scrubbing happens in vcrpy's ``before_record_*`` hooks, so nothing secret is
ever written: credentials and signatures (Alibaba ``Authorization``,
``AccessKeyId``, ``Signature``, ``SignatureNonce``, ``SecurityToken``; Tencent
``Authorization``, ``X-TC-Token``, ``SecretId``, ``Signature``, ``Token``; the
gateway's ``authorization`` and ``x-kms-acccesskeyid``) become
``<scrubbed>``, and any plaintext in an answer that is not one of the
scenarios' public constants (a data key) is replaced by a stand-in of the same
length, derived with a per-recording secret so that equal values stay equal.

Matching survives per-request nonces, timestamps and signatures: a request
matches on its method, path, *operation* (``x-acs-action``/``Action``,
``x-kms-apiname``, ``X-TC-Action``) and *payload* (the decoded parameters less
the volatile ones, or the protobuf body), never on host, port or order alone.

>>> config = cassette_vcr("/tmp/unikms-doc-cassettes", record_mode="none")
>>> sorted(config.match_on)
['method', 'path', 'unikms_operation', 'unikms_payload']
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import platform
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from unikms.contract.scenarios import PUBLIC_PLAINTEXTS, SCENARIOS, run_scenario
from unikms.contract.transcript import Transcript
from unikms.dialects import dialect_packages
from unikms.dialects.package import CassetteCodec

__all__ = [
    "SCRUBBED",
    "cassette_vcr",
    "load_cassette",
    "operation",
    "package_versions",
    "payload",
    "record_scenarios",
    "replay_scenario",
    "scrub_headers",
    "scrub_parameters",
    "volatile_parameters",
    "write_metadata",
]

SCRUBBED = "<scrubbed>"


def _codecs() -> list[CassetteCodec]:
    """The cassette codecs of every registered dialect's wire protocol."""
    return [p.emulator.cassette for p in dialect_packages() if p.emulator and p.emulator.cassette]


def scrub_headers() -> tuple[str, ...]:
    """Headers (lower case) written as ``<scrubbed>``: every protocol's credentials."""
    return tuple(sorted({h for c in _codecs() for h in c.secret_headers}))


def scrub_parameters() -> tuple[str, ...]:
    """Query and form parameters written as ``<scrubbed>``."""
    return tuple(sorted({p for c in _codecs() for p in c.secret_parameters}))


def volatile_parameters() -> frozenset[str]:
    """Parameters that change on every request (or carry a random name) and do not
    decide a match: every protocol's secrets and volatile ones."""
    return frozenset({p for c in _codecs() for p in (*c.secret_parameters, *c.volatile_parameters)})


_PUBLIC = frozenset(PUBLIC_PLAINTEXTS) | frozenset(base64.b64encode(p) for p in PUBLIC_PLAINTEXTS)


def _headers(request: Any) -> dict[str, str]:
    return {k.lower(): (v[0] if isinstance(v, list) else v) for k, v in request.headers.items()}


def _body(request: Any) -> bytes:
    body = request.body
    if body is None:
        return b""
    return body if isinstance(body, bytes) else str(body).encode("utf-8")


def _params(request: Any) -> dict[str, str]:
    pairs = parse_qsl(urlsplit(request.uri).query, keep_blank_values=True)
    if "form-urlencoded" in _headers(request).get("content-type", ""):
        pairs += parse_qsl(_body(request).decode("utf-8", "replace"), keep_blank_values=True)
    return dict(pairs)


def _codec_of(request: Any) -> tuple[CassetteCodec | None, str]:
    headers = _headers(request)
    params = _params(request)
    for codec in _codecs():
        action = codec.label(headers, params)
        if action is not None:
            return codec, action
    return None, str(urlsplit(request.uri).path)


def operation(request: Any) -> str:
    """The dialect operation a recorded request performs (``tc:Encrypt``, ``acs:Decrypt``...):
    the prefix of the protocol whose codec recognises it, or ``path:`` and the path."""
    codec, action = _codec_of(request)
    return f"{codec.prefix if codec else 'path'}:{action}"


def payload(request: Any) -> Any:
    """What a request asks for, less what changes on every request."""
    codec, _ = _codec_of(request)
    body = _body(request)
    if codec is None or codec.body == "protobuf":
        return body.hex()
    headers = _headers(request)
    if codec.body == "json" and headers.get("content-type", "").startswith("application/json"):
        try:
            fields = json.loads(body or b"{}")
        except ValueError:
            return body.hex()
    else:
        volatile = volatile_parameters()
        fields = {k: v for k, v in _params(request).items() if k not in volatile}
    alias = fields.get("Alias") if isinstance(fields, dict) else None
    if isinstance(alias, str) and alias.startswith("unikms-"):
        fields["Alias"] = "unikms-<generated>"  # the neutral client names Tencent keys at random
    return fields


def _match_operation(r1: Any, r2: Any) -> None:
    assert operation(r1) == operation(r2), f"{operation(r1)} != {operation(r2)}"


def _match_payload(r1: Any, r2: Any) -> None:
    assert payload(r1) == payload(r2), "the parameters differ"


class _Scrubber:
    """Replaces non-public plaintexts in answers by same-length stand-ins.

    ``public`` adds plaintexts that may be kept (made-up test data); with
    ``answers=False`` answers are left alone (replay: nothing is written).
    """

    def __init__(
        self, secret: bytes | None = None, public: Iterable[bytes] = (), *, answers: bool = True
    ) -> None:
        self.secret = secret or secrets.token_bytes(32)
        extra = frozenset(bytes(p) for p in public)
        self.public = _PUBLIC | extra | frozenset(base64.b64encode(p) for p in extra)
        self.answers = answers
        # vcrpy runs the request hook, then the answer hook, in the thread that made the call
        self._local = threading.local()

    def standin(self, raw: bytes) -> bytes:
        if raw in self.public:
            return raw
        return hashlib.shake_256(self.secret + raw).digest(len(raw))

    def b64_standin(self, text: str) -> str:
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            return self.standin(text.encode()).hex()[: len(text)]
        if text.encode() in self.public or raw in self.public:
            return text
        return base64.b64encode(self.standin(raw)).decode()

    @property
    def last_operation(self) -> str:
        return str(getattr(self._local, "operation", ""))

    def request(self, request: Any) -> Any:
        codec, action = _codec_of(request)
        self._local.operation = f"{codec.prefix if codec else 'path'}:{action}"
        self._local.codec = codec
        self._local.action = action
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        body = response.get("body", {}).get("string", b"")
        if not body or not self.answers:
            return response
        codec: CassetteCodec | None = getattr(self._local, "codec", None)
        status = int(response.get("status", {}).get("code", 200))
        if codec is None:
            return response
        if codec.body == "protobuf":
            if status < 400 and isinstance(body, bytes):  # an error answer holds no plaintext
                scrub = codec.scrub_protobuf
                action = str(getattr(self._local, "action", ""))
                response["body"]["string"] = scrub(action, body, self.standin) if scrub else b""
        else:
            response["body"]["string"] = self._json(body)
        return response

    def _json(self, body: bytes | str) -> bytes | str:
        try:
            doc = json.loads(body)
        except ValueError:
            return body
        inner = doc.get("Response", doc) if isinstance(doc, dict) else None
        if not isinstance(inner, dict) or not isinstance(inner.get("Plaintext"), str):
            return body
        inner["Plaintext"] = self.b64_standin(inner["Plaintext"])
        out = json.dumps(doc)
        return out.encode() if isinstance(body, bytes) else out


def cassette_vcr(
    directory: str | Path,
    *,
    record_mode: str = "none",
    public_plaintexts: Iterable[bytes] = (),
    scrub_answers: bool | None = None,
    scrubber: _Scrubber | None = None,
) -> Any:
    """A ``vcr.VCR`` with every protocol's scrubbing preset and the matchers.

    Answers are scrubbed only when something can be written (vcrpy runs the
    hooks on playback too, and a recorded cassette is scrubbed already);
    ``public_plaintexts`` are made-up values that may stay in answers;
    ``scrub_answers=False`` keeps answers as they are (published examples).
    """
    import vcr

    if scrub_answers is None:
        scrub_answers = record_mode != "none"
    scrub = scrubber or _Scrubber(public=public_plaintexts, answers=scrub_answers)
    config = vcr.VCR(
        cassette_library_dir=str(directory),
        record_mode=record_mode,
        match_on=("method", "path", "unikms_operation", "unikms_payload"),
        filter_headers=[(h, SCRUBBED) for h in scrub_headers()],
        filter_query_parameters=[(q, SCRUBBED) for q in scrub_parameters()],
        filter_post_data_parameters=[(p, SCRUBBED) for p in scrub_parameters()],
        before_record_request=scrub.request,
        before_record_response=scrub.response,
        decode_compressed_response=True,
    )
    config.register_matcher("unikms_operation", _match_operation)
    config.register_matcher("unikms_payload", _match_payload)
    return config


def load_cassette(path: str | Path) -> dict[str, Any]:
    import yaml

    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)  # type: ignore[no-any-return]


def write_metadata(path: Path, metadata_doc: Mapping[str, Any]) -> None:
    import yaml

    doc = load_cassette(path)
    doc["unikms"] = dict(metadata_doc)
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(doc, fh, sort_keys=False, allow_unicode=True)


def package_versions(names: Iterable[str]) -> dict[str, str]:
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


SDKS = (
    "unikms", "alibabacloud-kms20160120", "alibabacloud-tea-openapi", "darabonba-core",
    "tencentcloud-sdk-python-common", "tencentcloud-sdk-python-kms", "protobuf", "requests",
    "vcrpy",
)  # fmt: skip


def record_scenarios(
    connect: Callable[[], Any],
    out_dir: str | Path,
    *,
    target: str,
    scenarios: Iterable[str] | None = None,
    advance_clock: Callable[[float], None] | None = None,
    reset: Callable[[], None] | None = None,
) -> list[Path]:
    """Record each scenario through the client ``connect()`` returns, one cassette each.

    ``target`` says what answered (kept in the provenance note). Scenarios that
    need the clock are skipped when ``advance_clock`` is None (a real account).
    Existing cassettes of the same names are replaced.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    scrubber = _Scrubber()
    real_account = reset is None
    # against a real account: alias names unique to this recording, and keys deleted after
    tag = secrets.token_hex(4) if real_account else ""
    for name in scenarios or sorted(SCENARIOS):
        chosen = SCENARIOS[name]
        kms = connect()
        if not chosen.runs_on(kms.dialect) or (chosen.needs_clock and advance_clock is None):
            continue
        if reset is not None:
            reset()
        path = out / f"{name}.yaml"
        path.unlink(missing_ok=True)
        created: list[str] = []
        with cassette_vcr(out, record_mode="all", scrubber=scrubber).use_cassette(path.name):
            transcript = run_scenario(
                name, kms, advance_clock=advance_clock, tag=tag, created=created
            )
        if real_account:
            _delete_keys(kms, created)
        write_metadata(
            path,
            {
                "kind": "recorded",
                "scenario": name,
                "tag": tag,
                "dialect": kms.dialect.value,
                "provenance": {
                    "produced_by": "unikms record (unikms.contract.cassettes.record_scenarios)",
                    "target": target,
                    "recorded_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "python": platform.python_version(),
                    "packages": package_versions(SDKS),
                    "scrubbed": "credentials, signatures, nonces; non-public plaintexts "
                    "replaced by same-length stand-ins",
                },
                "transcript": transcript.to_json(),
            },
        )
        written.append(path)
    return written


def replay_scenario(
    path: str | Path,
    connect: Callable[[], Any],
    *,
    advance_clock: Callable[[float], None] | None = None,
) -> Transcript:
    """Replay a recorded scenario through ``connect()``'s client, no network allowed."""
    path = Path(path)
    doc = load_cassette(path)
    name = doc["unikms"]["scenario"]
    kms = connect()
    with cassette_vcr(path.parent, record_mode="none").use_cassette(
        path.name, allow_playback_repeats=False
    ):
        return run_scenario(
            name, kms, advance_clock=advance_clock, tag=doc["unikms"].get("tag", "")
        )


def _delete_keys(kms: Any, key_ids: Iterable[str]) -> None:
    """Schedule a recording's keys for deletion (outside the cassette: not recorded)."""
    from unikms.errors import KmsError

    for key_id in key_ids:
        for step in (kms.disable_key, lambda k: kms.schedule_key_deletion(k, 7)):
            try:
                step(key_id)
            except KmsError:
                continue


def environment_without_proxies() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
