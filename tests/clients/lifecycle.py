"""The key lifecycle every real client goes through, and what each step must give.

A driver (a JS script, a tccli run, the Python SDK in process) performs the steps
in order and reports, for each, ``{"ok": True, "value": ...}``, or ``{"ok": False,
"code": "<the code the client reported>"}``, or ``{"ok": False, "crash": "..."}`` when
the client blew up instead of reporting an error. :func:`check` asserts one step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["ALIBABA", "STEPS", "TENCENT", "ServiceError", "check", "run_step"]

STEPS = (
    "create_key",
    "create_alias",
    "encrypt",
    "decrypt",
    "decrypt_wrong_context",
    "generate_data_key",
    "disable_then_encrypt",
    "describe_key",
    "list_keys",
    "wrong_secret",
    "expired_timestamp",
)

#: the service's own codes for the failing steps (the fake's rules, from the vendor docs)
ALIBABA = {
    "decrypt_wrong_context": "InvalidParameter",
    "disable_then_encrypt": "Rejected.Disabled",
    "wrong_secret": "SignatureDoesNotMatch",
    "expired_timestamp": "InvalidTimeStamp.Expired",
}
TENCENT = {
    "decrypt_wrong_context": "InvalidParameterValue.InvalidCiphertext",
    "disable_then_encrypt": "ResourceUnavailable.CmkDisabled",
    "wrong_secret": "AuthFailure.SignatureFailure",
    "expired_timestamp": "AuthFailure.SignatureExpire",
}


class ServiceError(Exception):
    """The error a client reported, by the service's code (a Python driver raises it)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def run_step(results: dict[str, Any], name: str, fn: Callable[[], Any]) -> None:
    """Run one step of a Python driver and record its outcome in ``results``."""
    try:
        results[name] = {"ok": True, "value": fn()}
    except ServiceError as err:
        results[name] = {"ok": False, "code": err.code}
    except Exception as err:  # the client itself blew up
        results[name] = {"ok": False, "crash": f"{type(err).__name__}: {err}"}


def check(step: str, results: dict[str, Any], codes: dict[str, str]) -> None:
    """Assert that ``step`` gave what the service gives (``codes``: the expected failures)."""
    got = results.get(step)
    assert got is not None, f"the driver reported nothing for {step}: {results}"
    assert "crash" not in got, f"{step}: the client crashed: {got['crash']}"
    if step in codes:
        assert not got["ok"], f"{step} should fail with {codes[step]}, it gave {got}"
        assert got["code"] == codes[step], f"{step}: {got['code']} (expected {codes[step]})"
        return
    assert got["ok"], f"{step} failed: {got}"
    value = got["value"]
    key_id = results["create_key"].get("value")
    if step == "create_key":
        assert isinstance(value, str) and value
    elif step == "encrypt":
        assert value == key_id
    elif step == "decrypt":
        assert value == results["plaintext"]["value"]
    elif step == "generate_data_key":
        assert value["plaintext"] and value["plaintext"] == value["decrypted"]
    elif step == "describe_key":
        assert value == "Disabled"
    elif step == "list_keys":
        assert key_id in value
