"""Make gateway calls with the official ``alibabacloud-dkms-gcs`` SDK and report what it parsed.

The other half of ``tests/test_instance_adapter_compat.py``, which proves the
instance adapter byte-compatible with the SDK. Runs in the SDK's own virtualenv
(:mod:`tests.gateway_sdk.venv`), never in the project's environment, so the SDK
is imported inside the functions only and this module imports cleanly anywhere
(pytest's doctest collection imports it).

Usage::

    python compat.py < CONFIG_JSON

``CONFIG_JSON`` (on stdin: bodies can outgrow a command-line argument) is a
JSON object: ``endpoint`` (``127.0.0.1:PORT``), ``client_key_file`` and
``password``, and ``calls``, a list of ``{"op": "Encrypt", "params": {...}}``
with the request fields under their wire names (``KeyId``, ``Plaintext``, ...;
bytes as ``{"hex": "..."}``). Each call is made once, in order, with the SDK's
own client (``<op>_with_options``, automatic retries off). It prints a JSON list,
one entry per call: ``{"ok": true, "fields": {...}}`` with every field of the
SDK's response model under its wire name (bytes as ``{"hex": ...}``), or
``{"ok": false, "error": {...}}`` with the exception the SDK raised.

>>> snake("AdvanceGenerateDataKey")
'advance_generate_data_key'
>>> to_json({"Iv": b"\\x00\\xff", "KeyId": "k", "NumberOfBytes": 32})
{'Iv': {'hex': '00ff'}, 'KeyId': 'k', 'NumberOfBytes': 32}
>>> from_json({"Iv": {"hex": "00ff"}, "KeyId": "k"})
{'Iv': b'\\x00\\xff', 'KeyId': 'k'}
"""

from __future__ import annotations

import json
import re
import sys
import traceback
from typing import Any


def snake(op: str) -> str:
    """The SDK's method name of an operation."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower()


def to_json(fields: dict[str, Any]) -> dict[str, Any]:
    """Field values as JSON: bytes become ``{"hex": ...}``."""
    return {
        k: {"hex": bytes(v).hex()} if isinstance(v, (bytes, bytearray)) else v
        for k, v in fields.items()
    }


def from_json(fields: dict[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`to_json`."""
    return {
        k: bytes.fromhex(v["hex"]) if isinstance(v, dict) and set(v) == {"hex"} else v
        for k, v in fields.items()
    }


def _error(exc: BaseException) -> dict[str, Any]:
    data = getattr(exc, "data", None)
    return {
        "type": type(exc).__name__,
        "module": type(exc).__module__,
        "code": getattr(exc, "code", None),
        "message": getattr(exc, "message", None),
        "data": data if isinstance(data, dict) else None,
    }


def run(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    from openapi.models import Config  # type: ignore[import-not-found,unused-ignore]
    from openapi_util.models import RuntimeOptions  # type: ignore[import-not-found,unused-ignore]
    from sdk import models  # type: ignore[import-not-found,unused-ignore]
    from sdk.client import Client  # type: ignore[import-not-found,unused-ignore]

    client = Client(
        Config(
            endpoint=cfg["endpoint"],
            protocol="http",
            read_timeout=20000,
            client_key_file=cfg["client_key_file"],
            password=cfg["password"],
        )
    )
    results: list[dict[str, Any]] = []
    for call in cfg["calls"]:
        op: str = call["op"]
        request = getattr(models, f"{op}Request")().from_map(from_json(call["params"]))
        method = getattr(client, f"{snake(op)}_with_options")
        try:
            response = method(request, RuntimeOptions(autoretry=False))
        except Exception as exc:  # every SDK failure is an observation
            result: dict[str, Any] = {"ok": False, "error": _error(exc)}
            if not hasattr(exc, "code"):
                result["traceback"] = traceback.format_exc()[-2000:]
            results.append(result)
            continue
        fields = response.to_map()
        fields.pop("responseHeaders", None)
        results.append({"ok": True, "fields": to_json(fields)})
    return results


def main() -> int:
    cfg = json.load(sys.stdin)
    print(json.dumps(run(cfg), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
