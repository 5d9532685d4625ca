"""Where scenarios run: adapter URLs for an emulator, and its admin hooks.

>>> urls = emulator_urls("127.0.0.1:8080", "/keys/clientKey_KAAP.x.json", "pw")
>>> urls[Dialect.TENCENT].split("?")[0]
'tencent-kms://ap-guangzhou'
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

from unikms.types import Dialect

__all__ = ["admin_post", "emulator_urls"]


def emulator_urls(endpoint: str, client_key_file: str, password: str) -> dict[Dialect, str]:
    """The adapter URL for each dialect against ``unikms serve`` at ``endpoint``.

    These carry the emulator's documented local credentials: what a user
    writes to point the adapters at the emulator.
    """
    from unikms.emulator.credentials import (
        DEFAULT_ALIBABA_ACCESS_KEY_ID,
        DEFAULT_ALIBABA_ACCESS_KEY_SECRET,
        DEFAULT_TENCENT_SECRET_ID,
        DEFAULT_TENCENT_SECRET_KEY,
    )

    classic = (
        f"alibaba-kms://cn-hangzhou?endpoint=http://{endpoint}"
        f"&access_key_id={DEFAULT_ALIBABA_ACCESS_KEY_ID}"
        f"&access_key_secret={DEFAULT_ALIBABA_ACCESS_KEY_SECRET}&retries=1"
    )
    return {
        Dialect.ALIBABA_CLASSIC: classic,
        Dialect.ALIBABA_INSTANCE: (
            f"alibaba-kms-instance://{endpoint}?protocol=http"
            f"&client_key_file={urllib.parse.quote(client_key_file)}"
            f"&password={urllib.parse.quote(password)}"
            f"&management={urllib.parse.quote(classic, safe='')}&retries=1"
        ),
        Dialect.TENCENT: (
            f"tencent-kms://ap-guangzhou?endpoint=http://{endpoint}"
            f"&secret_id={DEFAULT_TENCENT_SECRET_ID}&secret_key={DEFAULT_TENCENT_SECRET_KEY}"
            "&retries=1"
        ),
    }


def admin_post(endpoint: str, path: str, doc: dict[str, object] | None = None) -> None:
    """``POST`` to the emulator's ``/_unikms/...`` hooks (``reset``, ``clock``)."""
    request = urllib.request.Request(
        f"http://{endpoint}{path}", data=json.dumps(doc or {}).encode(), method="POST"
    )
    with urllib.request.urlopen(request) as answer:  # noqa: S310 -- a local emulator
        if answer.status != 200:
            raise RuntimeError(f"{path} answered {answer.status}")
