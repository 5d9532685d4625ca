"""Transcripts: what a scenario observed, in a form that compares across runs.

Ids differ between runs and providers, so each distinct key id, version id or
alias becomes a symbol (``key#1``, ``version#2``) in order of first sight;
request ids are left out. Ciphertexts are described by their shape (length,
and the layout their dialect gives them), plaintexts by a digest and length.
Errors keep their neutral class, the provider's code and the HTTP status.

>>> t = Transcript()
>>> t.ids.symbol("key", "key-hzzabc")
'key#1'
>>> t.ids.symbol("key", "key-hzzabc"), t.ids.symbol("key", "key-other")
('key#1', 'key#2')
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from typing import Any

from unikms.contract.plaintexts import PUBLIC_PLAINTEXTS
from unikms.dialects import dialect_package
from unikms.errors import KmsError, LimitExceededError
from unikms.types import DataKey, DecryptResult, Dialect, EncryptResult, KeyInfo

__all__ = ["Symbols", "Transcript", "VersionId", "ciphertext_shape", "diff_transcripts"]


class VersionId(str):
    """A key version id returned bare (``rotate_key``): recorded as a symbol."""


class Symbols:
    """Stable names for run-specific ids."""

    def __init__(self) -> None:
        self._names: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}

    def symbol(self, kind: str, value: str | None) -> str | None:
        if value is None:
            return None
        key = (kind, value)
        if key not in self._names:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            self._names[key] = f"{kind}#{self._counts[kind]}"
        return self._names[key]


_GENERATED_ALIAS = re.compile(r"^alias/unikms-[0-9a-f]{16}$")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def ciphertext_shape(dialect: Dialect, ciphertext: bytes) -> dict[str, Any]:
    """The layout of a neutral ciphertext, without its random content (as the
    dialect's package describes it; its length alone where it does not)."""
    contract = dialect_package(dialect).contract
    if contract is None:
        return {"length": len(ciphertext)}
    return contract.ciphertext_shape(ciphertext)


class Transcript:
    """The steps of one scenario run, each a label and a normalized outcome."""

    def __init__(self, dialect: Dialect | None = None, *, tag: str = "") -> None:
        self.dialect = dialect
        self.tag = tag
        self.ids = Symbols()
        self.steps: list[dict[str, Any]] = []

    def record(self, label: str, outcome: Any) -> None:
        self.steps.append({"step": label, "outcome": self.normalize(outcome)})

    def normalize(self, value: Any) -> Any:
        ids = self.ids
        if isinstance(value, KmsError):
            out: dict[str, Any] = {
                "error": type(value).__name__,
                "code": value.code,
                "http_status": value.http_status,
            }
            if isinstance(value, LimitExceededError):
                out.update(field=value.field, size=value.size, limit=value.limit)
            state = getattr(value, "state", None)
            if state is not None:
                out["state"] = state.value
            return out
        if isinstance(value, EncryptResult):
            return {
                "result": "EncryptResult",
                "key_id": ids.symbol("key", value.key_id),
                "key_version_id": ids.symbol("version", value.key_version_id),
                "algorithm": value.algorithm,
                "iv_length": None if value.iv is None else len(value.iv),
                "ciphertext": ciphertext_shape(value.dialect, value.ciphertext),
            }
        if isinstance(value, DecryptResult):
            return {
                "result": "DecryptResult",
                "key_id": ids.symbol("key", value.key_id),
                "key_version_id": ids.symbol("version", value.key_version_id),
                "algorithm": value.algorithm,
                "plaintext": self._plaintext(value.plaintext),
            }
        if isinstance(value, DataKey):
            return {
                "result": "DataKey",
                "key_id": ids.symbol("key", value.key_id),
                "key_version_id": ids.symbol("version", value.key_version_id),
                "plaintext_length": len(value.plaintext),
                "ciphertext": ciphertext_shape(value.dialect, value.ciphertext),
            }
        if isinstance(value, KeyInfo):
            return {
                "result": "KeyInfo",
                "key_id": ids.symbol("key", value.key_id),
                "state": value.state.value,
                "spec": value.spec.value,
                "usage": value.usage.value,
                "origin": value.origin,
                "has_arn": value.arn is not None,
                "primary_version_id": ids.symbol("version", value.primary_version_id),
                "versions": [ids.symbol("version", v.version_id) for v in value.versions],
                "aliases": sorted(self._alias(a) for a in value.aliases),
            }
        if isinstance(value, VersionId):
            return ids.symbol("version", str(value))
        if isinstance(value, bytes):
            return {"bytes": len(value), "sha256": _digest(value)}
        if isinstance(value, dict):
            return {str(k): self.normalize(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.normalize(v) for v in value]
        return value

    def _alias(self, alias: str) -> str:
        """A name the neutral client generated (Tencent keys need one) becomes a symbol."""
        if _GENERATED_ALIAS.match(alias):
            return str(self.ids.symbol("alias", alias))
        return alias.replace(f"-{self.tag}", "") if self.tag else alias

    @staticmethod
    def _plaintext(data: bytes) -> dict[str, Any]:
        """A public scenario plaintext by digest; anything else (a data key) by length only."""
        if data in PUBLIC_PLAINTEXTS:
            return {"length": len(data), "sha256": _digest(data)}
        return {"length": len(data), "secret": True}

    def to_json(self) -> list[dict[str, Any]]:
        return json.loads(json.dumps(self.steps))  # type: ignore[no-any-return]


def diff_transcripts(
    expected: list[dict[str, Any]], actual: list[dict[str, Any]], *, names: tuple[str, str]
) -> str:
    """A unified diff of two transcripts ('' when they agree).

    >>> print(diff_transcripts([{"step": "a", "outcome": 1}], [{"step": "a", "outcome": 2}],
    ...                        names=("recording", "fake")))
    --- recording
    +++ fake
    @@ -1,6 +1,6 @@
     [
       {
         "step": "a",
    -    "outcome": 1
    +    "outcome": 2
       }
     ]
    """
    a = json.dumps(expected, indent=2, sort_keys=False).splitlines()
    b = json.dumps(actual, indent=2, sort_keys=False).splitlines()
    if a == b:
        return ""
    return "\n".join(difflib.unified_diff(a, b, names[0], names[1], lineterm=""))
