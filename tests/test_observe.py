"""Every KMS call is logged at DEBUG and traced, on every driver, and no secret shows.

The log record and the span carry dialect, call, key, request id, latency and, for a
failure, the neutral class and the provider's code; a plaintext, a data key, a
ciphertext, a context value or a credential never appears in either.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import unikms
from unikms import observe
from unikms.testing import drivers

PLAINTEXT = b"observe-me-never-4111111111111111"
CONTEXT_VALUE = "tenant-secret-value-42"
_EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
    trace.set_tracer_provider(provider)  # once per process: the API refuses a second
    observe.set_tracing(True)  # look for it now, not within the second
    yield _EXPORTER
    observe.set_tracing(False)  # the rest of the suite runs without spans
    _EXPORTER.clear()


def _secrets(data_key: bytes, ciphertext: bytes) -> list[str]:
    shown = [PLAINTEXT, data_key, ciphertext]
    texts = [CONTEXT_VALUE]
    for raw in shown:
        texts += [raw.hex(), base64.b64encode(raw).decode(), repr(raw)]
        texts += [raw.decode("latin-1")] if len(raw) >= 8 else []
    return texts


@pytest.mark.parametrize("driver", sorted(drivers()))
def test_each_call_is_logged_and_traced_without_secrets(
    driver: str, spans: InMemorySpanExporter, caplog: pytest.LogCaptureFixture
) -> None:
    harness = drivers()[driver]()
    kms = harness.client
    key = kms.create_key().key_id
    spans.clear()
    with caplog.at_level(logging.DEBUG, logger=observe.LOGGER_NAME):
        sealed = kms.encrypt(key, PLAINTEXT, context={"tenant": CONTEXT_VALUE})
        kms.decrypt(sealed.ciphertext, context={"tenant": CONTEXT_VALUE})
        data_key = kms.generate_data_key(key, number_of_bytes=32)
        with pytest.raises(unikms.DecryptionFailedError) as failed:
            kms.decrypt(sealed.ciphertext, context={"tenant": "other"})
    records = [r for r in caplog.records if r.name == observe.LOGGER_NAME]
    lines = [r.getMessage() for r in records]
    assert [line.split()[1] for line in lines] == [
        "encrypt",
        "decrypt",
        "generate_data_key",
        "decrypt",
    ]
    dialect = harness.dialect.value
    assert all(line.startswith(f"{dialect} ") for line in lines)
    assert f"key={key}" in lines[0] and f"request={sealed.request_id}" in lines[0]
    assert lines[-1].endswith(f"DecryptionFailedError ({failed.value.code})")
    assert all(r.levelno == logging.DEBUG for r in records)
    finished = spans.get_finished_spans()
    assert [s.name for s in finished] == [
        "unikms encrypt",
        "unikms decrypt",
        "unikms generate_data_key",
        "unikms decrypt",
    ]
    attributes = [dict(s.attributes or {}) for s in finished]
    assert attributes[0]["kms.dialect"] == dialect and attributes[0]["kms.key"] == key
    assert attributes[0]["kms.request_id"] == sealed.request_id
    assert finished[-1].status.status_code is trace.StatusCode.ERROR
    assert attributes[-1]["kms.request_id"] == failed.value.request_id
    everything = "\n".join(lines) + "\n".join(str(a) for a in attributes)
    for secret in _secrets(data_key.plaintext, sealed.ciphertext):
        assert secret not in everything


def test_no_handler_and_no_tracer_costs_no_record(
    spans: InMemorySpanExporter, caplog: pytest.LogCaptureFixture
) -> None:
    observe.set_tracing(False)
    try:
        kms = unikms.connect("fake://tencent")
        key = kms.create_key().key_id
        spans.clear()
        with caplog.at_level(logging.INFO, logger=observe.LOGGER_NAME):
            kms.encrypt(key, b"x")
        assert not [r for r in caplog.records if r.name == observe.LOGGER_NAME]
        assert not observe.tracing() and not spans.get_finished_spans()
    finally:
        observe.set_tracing(True)


def test_the_default_proxy_provider_opens_no_span() -> None:
    """Before an application sets a provider, the API's proxy would record nothing:
    no span is opened at all (a subprocess: this process has one set)."""
    import subprocess
    import sys

    code = (
        "import unikms; from unikms import observe; "
        "kms = unikms.connect('fake://tencent'); kms.encrypt(kms.create_key().key_id, b'x'); "
        "print(observe.tracing())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_wrapped_calls_keep_their_signatures() -> None:
    import inspect

    assert "context" in inspect.signature(unikms.KmsClient.encrypt).parameters
    assert unikms.KmsClient.encrypt.__name__ == "encrypt"
