"""Bounded, jittered exponential backoff for the adapters.

The SDKs' own retries are off (Alibaba's are off by default, the gateway SDK is
not used, and Tencent's ``StandardRetryer`` keeps a stale error once an attempt
fails), so the adapters retry here, once, the same way:

* a *throttled* answer is retried for every action: the service refused it
  before doing anything;
* a *transport* failure is retried only for idempotent actions (crypto calls,
  reads, and enabling or disabling a key), because a request that timed out
  may have been carried out: retrying ``CreateKey`` could make two keys.

>>> policy = RetryPolicy(max_attempts=4, base_delay=0.05, max_delay=1.0)
>>> [round(policy.ceiling(n), 2) for n in range(1, 5)]
[0.05, 0.1, 0.2, 0.4]
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import attrs

__all__ = ["IDEMPOTENT_ACTIONS", "RetryPolicy"]

T = TypeVar("T")

#: actions that are safe to repeat after a transport failure (same result twice)
IDEMPOTENT_ACTIONS = frozenset(
    {
        "Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
        "AdvanceEncrypt", "AdvanceDecrypt", "AdvanceGenerateDataKey", "DescribeKey",
        "DescribeKeys", "DescribeKeyVersion", "ListKeys", "ListKeyDetail", "ListAliases",
        "ListAliasesByKeyId", "ListKeyVersions", "GetKeyRotationStatus", "EnableKey",
        "DisableKey",
    }
)  # fmt: skip


@attrs.frozen
class RetryPolicy:
    """``max_attempts`` tries in all; waits are "full jitter": uniform in
    ``[0, min(max_delay, base_delay * 2**(attempt-1))]``."""

    max_attempts: int = attrs.field(default=4, validator=attrs.validators.ge(1))
    base_delay: float = attrs.field(default=0.1, validator=attrs.validators.ge(0))
    max_delay: float = attrs.field(default=2.0, validator=attrs.validators.ge(0))

    @classmethod
    def none(cls) -> RetryPolicy:
        """One attempt, no retries."""
        return cls(max_attempts=1)

    def ceiling(self, attempt: int) -> float:
        """Longest wait after failed attempt number ``attempt`` (1-based)."""
        return float(min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))

    def run(
        self,
        fn: Callable[[], T],
        should_retry: Callable[[BaseException], bool],
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> T:
        """Call ``fn`` until it succeeds, raises something not retryable, or attempts run out."""
        attempt = 1
        while True:
            try:
                return fn()
            except Exception as exc:
                if attempt >= self.max_attempts or not should_retry(exc):
                    raise
                sleep(random.uniform(0, self.ceiling(attempt)))  # noqa: S311 -- jitter, not crypto
                attempt += 1
