"""The accelerated Base64 (pybase64) answers exactly as the standard library does."""

from __future__ import annotations

import binascii
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unikms import _base64

pytest.importorskip("pybase64")

ALPHABET = string.ascii_letters + string.digits + "+/=" + "-_ \n.é"


def outcome(decode: object, text: str | bytes) -> bytes | str:
    assert callable(decode)
    try:
        result = decode(text)
    except ValueError as err:
        assert isinstance(err, binascii.Error)  # one exception type for callers to catch
        return f"refused: {err}"
    assert isinstance(result, bytes)
    return result


def test_the_fast_implementation_is_in_use() -> None:
    assert _base64.IMPLEMENTATION.startswith("pybase64")


@settings(max_examples=3000)
@given(st.text(alphabet=ALPHABET, max_size=24))
def test_decode_matches_the_standard_library_on_any_text(text: str) -> None:
    assert outcome(_base64.decode, text) == outcome(_base64.std_decode, text)
    if text.isascii():
        raw = text.encode("ascii")
        assert outcome(_base64.decode, raw) == outcome(_base64.std_decode, raw)


@given(st.binary(max_size=6200))
def test_encode_and_round_trip_match(data: bytes) -> None:
    text = _base64.encode(data)
    assert text == _base64.std_encode(data)
    assert _base64.encode_bytes(data) == _base64.std_encode_bytes(data) == text.encode("ascii")
    assert _base64.decode(text) == data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("QUJD=", b"ABC"),  # surplus padding after a whole quantum: accepted by both
        ("QUI=", b"AB"),
        ("a2", "refused: Incorrect padding"),
        ("QU JD", "refused: Only base64 data is allowed"),
        ("-_-_", "refused: Only base64 data is allowed"),
    ],
)
def test_edge_cases(text: str, expected: bytes | str) -> None:
    assert outcome(_base64.decode, text) == expected
    assert outcome(_base64.std_decode, text) == expected
