"""A one-line progress bar for the ``unikms seal`` and ``open`` commands.

>>> import io
>>> out = io.StringIO()
>>> bar = ProgressBar("seal", 2_000_000, out, delay=0)
>>> bar(500_000)
>>> out.getvalue().split(" MB")[0]
'\\rseal  25% [######------------------] 0.5/2.0'
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["PROGRESS_DELAY", "ProgressBar"]

#: seconds of work before a progress bar appears (quick commands print nothing)
PROGRESS_DELAY = 0.5


class ProgressBar:
    """A one-line progress bar on a terminal stream, drawn only for long work.

    Nothing is drawn during the first ``delay`` seconds (default
    :data:`PROGRESS_DELAY`), so quick commands stay silent; redraws are at
    most every 0.1 s; :meth:`close` ends the line (if anything was drawn).
    """

    def __init__(
        self,
        label: str,
        total: int | None,
        stream: TextIO,
        *,
        delay: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = total or None
        self.done = 0
        self._stream = stream
        self._clock = clock
        self._start = clock()
        self._delay = PROGRESS_DELAY if delay is None else delay
        self._last = 0.0
        self._drawn = False

    def __call__(self, n: int) -> None:
        self.done += n
        now = self._clock()
        if now - self._start < self._delay or now - self._last < 0.1:
            return
        self._last = now
        self._draw(now)

    def _draw(self, now: float) -> None:
        mb = self.done / 1e6
        rate = mb / max(now - self._start, 1e-9)
        if self.total:
            frac = min(self.done / self.total, 1.0)
            width = 24
            fill = int(frac * width)
            bar = "#" * fill + "-" * (width - fill)
            text = f"{self.label} {int(frac * 100):3d}% [{bar}] {mb:.1f}/{self.total / 1e6:.1f} MB"
        else:
            text = f"{self.label} {mb:.1f} MB"
        self._stream.write(f"\r{text} {rate:.0f} MB/s ")
        self._stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self._draw(self._clock())
            self._stream.write("\n")
            self._stream.flush()
