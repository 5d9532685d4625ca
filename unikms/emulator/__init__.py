"""A local KMS emulator that the official SDKs use unmodified.

One process serves the fake's engine over Alibaba's classic OpenAPI, Alibaba's
KMS instance gateway and Tencent's KMS API; see ``docs/emulator.md``. Needs the
``emulator`` extra (``pip install 'unikms[emulator]'``).

>>> from unikms.emulator import Emulator
>>> with Emulator() as emu:
...     import urllib.request, json
...     json.load(urllib.request.urlopen(f"http://{emu.endpoint}/health"))["status"]
'ok'
"""

from unikms.emulator.credentials import EmulatorCredentials
from unikms.emulator.server import Emulator

__all__ = ["Emulator", "EmulatorCredentials"]
