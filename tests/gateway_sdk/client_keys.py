"""Client keys for an SDK driver: one the emulator issued, one it does not know.

>>> import tempfile
>>> from pathlib import Path
>>> from unikms.emulator.credentials import EmulatorCredentials
>>> sorted(driver_client_keys(EmulatorCredentials(), Path(tempfile.mkdtemp())))
['client_key_file', 'password', 'stranger_key_file', 'stranger_password']
"""

from __future__ import annotations

from pathlib import Path

from unikms.emulator.credentials import EmulatorCredentials

__all__ = ["driver_client_keys"]


def driver_client_keys(credentials: EmulatorCredentials, directory: Path) -> dict[str, str]:
    """A key ``credentials`` issues and a stranger's (another issuer's), as driver settings."""
    issued = credentials.issue_client_key(directory / "known")
    stranger = EmulatorCredentials().issue_client_key(directory / "stranger")
    return {
        "client_key_file": str(issued.path),
        "password": issued.password,
        "stranger_key_file": str(stranger.path),
        "stranger_password": stranger.password,
    }
