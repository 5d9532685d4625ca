"""Gateway Encrypt loop for ``bench/emulator_bench.py``, run with the SDK's own Python.

    python bench.py ENDPOINT SECONDS CONCURRENCY KEY_ID CLIENT_KEY_FILE PASSWORD_FILE

Prints ``{"requests": N, "seconds": S}``. Imports the SDK only when run, so
pytest's doctest collection can import this module without it.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time


def main(argv: list[str]) -> int:
    endpoint, seconds, concurrency, key_id, key_file, password_file = argv[1:7]
    from openapi.models import Config
    from openapi_util.models import RuntimeOptions
    from sdk.client import Client
    from sdk.models import AdvanceEncryptRequest

    with open(password_file, encoding="utf-8") as fh:
        password = fh.read().strip()
    payload = os.urandom(4096)
    runtime = RuntimeOptions(autoretry=False)
    n = int(concurrency)
    counts = [0] * n
    clients = [
        Client(
            Config(endpoint=endpoint, protocol="http", client_key_file=key_file, password=password)
        )
        for _ in range(n)
    ]
    for c in clients:  # warm the connections
        c.advance_encrypt_with_options(
            AdvanceEncryptRequest(key_id=key_id, plaintext=payload), runtime
        )
    stop = time.monotonic() + float(seconds)

    def work(i: int) -> None:
        request = AdvanceEncryptRequest(key_id=key_id, plaintext=payload)
        while time.monotonic() < stop:
            clients[i].advance_encrypt_with_options(request, runtime)
            counts[i] += 1

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"requests": sum(counts), "seconds": time.monotonic() - start}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
