"""The older Python SDK, ``aliyun-python-sdk-core`` + ``aliyun-python-sdk-kms``, unmodified.

Both are pure Python with no pin that clashes with the test venv (``cryptography>=3``,
``jmespath<2``; top-level packages ``aliyunsdkcore`` and ``aliyunsdkkms`` only), so they
are in the ``test`` extra and run in process. Modes: JSON and XML answers
(``set_accept_format``), GET and POST. JSON goes through ``do_action_with_exception``;
XML through ``do_action``, the SDK's only call that hands back a non-JSON body (it
forces JSON in ``do_action_with_exception``), and the test reads the XML as a user would.
The expired-timestamp step moves the process clock (``time.gmtime``, which the SDK
stamps requests with) back an hour; nothing in the SDK is changed.
"""

from __future__ import annotations

import json
import time
import uuid
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkkms.request.v20160120 import (
    CreateAliasRequest,
    CreateKeyRequest,
    DecryptRequest,
    DescribeKeyRequest,
    DisableKeyRequest,
    EncryptRequest,
    GenerateDataKeyRequest,
    ListKeysRequest,
)

from tests.clients.lifecycle import ALIBABA, STEPS, ServiceError, check, run_step
from unikms.dialects.alibaba.package import DEFAULT_ACCESS_KEY_ID as DEFAULT_ALIBABA_ACCESS_KEY_ID
from unikms.dialects.alibaba.package import (
    DEFAULT_ACCESS_KEY_SECRET as DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
)
from unikms.emulator import Emulator

MODES = ("json-get", "json-post", "xml-get", "xml-post")
PLAINTEXT = "aGVsbG8gZnJvbSBweXRob24="
CONTEXT = json.dumps({"purpose": "lifecycle", "tenant": "a b"})
_REQUESTS = {
    "CreateKey": CreateKeyRequest.CreateKeyRequest,
    "CreateAlias": CreateAliasRequest.CreateAliasRequest,
    "Encrypt": EncryptRequest.EncryptRequest,
    "Decrypt": DecryptRequest.DecryptRequest,
    "GenerateDataKey": GenerateDataKeyRequest.GenerateDataKeyRequest,
    "DisableKey": DisableKeyRequest.DisableKeyRequest,
    "DescribeKey": DescribeKeyRequest.DescribeKeyRequest,
    "ListKeys": ListKeysRequest.ListKeysRequest,
}


def xml_to_dict(element: ET.Element) -> Any:
    """An XML answer as the JSON one: repeated children become a list (``Keys/Key``)."""
    children = list(element)
    if not children:
        return element.text or ""
    out: dict[str, Any] = {}
    for child in children:
        value = xml_to_dict(child)
        if child.tag in out:
            if not isinstance(out[child.tag], list):
                out[child.tag] = [out[child.tag]]
            out[child.tag].append(value)
        else:
            out[child.tag] = value
    return out


def caller(endpoint: str, mode: str, secret: str) -> Callable[[str, dict[str, str]], Any]:
    """``call(action, params)`` through the SDK, configured as docs/emulator.md says."""
    host, port = endpoint.rsplit(":", 1)
    client = AcsClient(DEFAULT_ALIBABA_ACCESS_KEY_ID, secret, "cn-hangzhou", port=int(port))
    client.add_endpoint("cn-hangzhou", "Kms", host)
    fmt, method = mode.split("-")

    def call(action: str, params: dict[str, str]) -> Any:
        request = _REQUESTS[action]()
        request.set_protocol_type("http")
        request.set_method(method.upper())
        for name, value in params.items():
            getattr(request, f"set_{name}")(value)
        if fmt == "json":
            try:
                return json.loads(client.do_action_with_exception(request))
            except ServerException as err:
                raise ServiceError(err.get_error_code()) from err
        request.set_accept_format("XML")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            body = client.do_action(request)
        root = ET.fromstring(body)
        if root.tag == "Error":
            raise ServiceError(root.findtext("Code") or "")
        assert root.tag == f"{action}Response", body
        return xml_to_dict(root)

    return call


def lifecycle(endpoint: str, mode: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    call = caller(endpoint, mode, DEFAULT_ALIBABA_ACCESS_KEY_SECRET)
    results: dict[str, Any] = {"plaintext": {"ok": True, "value": PLAINTEXT}}
    state: dict[str, str] = {}
    alias = f"alias/py-core-{mode}-{uuid.uuid4().hex[:8]}"

    def step(name: str, fn: Callable[[], Any]) -> None:
        run_step(results, name, fn)

    def create_key() -> str:
        state["key"] = call("CreateKey", {"Description": "made by aliyunsdkcore"})["KeyMetadata"][
            "KeyId"
        ]
        return state["key"]

    def encrypt() -> str:
        body = call(
            "Encrypt", {"KeyId": alias, "Plaintext": PLAINTEXT, "EncryptionContext": CONTEXT}
        )
        state["blob"] = body["CiphertextBlob"]
        return str(body["KeyId"])

    def data_key() -> dict[str, str]:
        dk = call("GenerateDataKey", {"KeyId": state["key"], "EncryptionContext": CONTEXT})
        back = call(
            "Decrypt", {"CiphertextBlob": dk["CiphertextBlob"], "EncryptionContext": CONTEXT}
        )
        return {"plaintext": dk["Plaintext"], "decrypted": back["Plaintext"]}

    def disable_then_encrypt() -> str:
        call("DisableKey", {"KeyId": state["key"]})
        return str(call("Encrypt", {"KeyId": state["key"], "Plaintext": PLAINTEXT}))

    def list_keys() -> list[str]:
        keys = call("ListKeys", {"PageSize": "100"})["Keys"]["Key"]
        return [k["KeyId"] for k in (keys if isinstance(keys, list) else [keys])]

    def expired() -> Any:
        real = time.gmtime
        with monkeypatch.context() as m:
            m.setattr(
                time, "gmtime", lambda secs=None: real(time.time() - 3600 if secs is None else secs)
            )
            return call("ListKeys", {})

    step("create_key", create_key)
    step("create_alias", lambda: call("CreateAlias", {"KeyId": state["key"], "AliasName": alias}))
    step("encrypt", encrypt)
    step(
        "decrypt",
        lambda: call("Decrypt", {"CiphertextBlob": state["blob"], "EncryptionContext": CONTEXT})[
            "Plaintext"
        ],
    )
    step(
        "decrypt_wrong_context",
        lambda: call("Decrypt", {"CiphertextBlob": state["blob"], "EncryptionContext": "{}"}),
    )
    step("generate_data_key", data_key)
    step("disable_then_encrypt", disable_then_encrypt)
    step(
        "describe_key",
        lambda: call("DescribeKey", {"KeyId": state["key"]})["KeyMetadata"]["KeyState"],
    )
    step("list_keys", list_keys)
    wrong = caller(endpoint, mode, DEFAULT_ALIBABA_ACCESS_KEY_SECRET + "-wrong")
    step("wrong_secret", lambda: wrong("ListKeys", {}))
    step("expired_timestamp", expired)
    return results


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


_RUNS: dict[str, dict[str, Any]] = {}


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("mode", MODES)
def test_aliyun_python_sdk_core_lifecycle(
    emulator: Emulator, mode: str, step: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if mode not in _RUNS:
        _RUNS[mode] = lifecycle(emulator.endpoint, mode, monkeypatch)
    codes = dict(ALIBABA)
    if mode.startswith("json"):
        # the SDK compares the server's string to sign (after "server string to sign is:")
        # with its own; equal means the signing was right and the secret wrong
        codes["wrong_secret"] = "InvalidAccessKeySecret"
    check(step, _RUNS[mode], codes)
