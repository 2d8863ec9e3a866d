"""A progress bar with ETA for long per-school steps (reports of a whole city).

On a terminal the bar is one line redrawn in place::

    reports  [#########...........]  412/1000  41 %  6 min 52 s  ETA 9 min 50 s

Elsewhere (a log file, CI) it prints a plain line whenever another 5 % is done, and always for
the first and the last item, so a log of 1,000 schools has about 20 lines, not 1,000. A failed
item is always printed on a line of its own, above the bar.
"""

from __future__ import annotations

import sys
import time
from typing import Callable, TextIO


def duration(seconds: float) -> str:
    """'42 s', '6 min 52 s', '1 h 03 min'."""
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


class ProgressBar:
    """Progress of ``total`` items; call ``update(done, note, failed, worked)`` after each one.

    The ETA comes from the items that took work (``worked``): items skipped at once (reports of
    unchanged schools) neither speed up nor slow down the estimate for the rest."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None, width: int = 24,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.label, self.total, self.width, self.clock = label, total, width, clock
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = clock()
        self._last_step = -1
        self._drawn = False
        self._skipped = 0

    def line(self, done: int) -> str:
        elapsed = self.clock() - self.started
        pct = 100 * done / self.total if self.total else 100.0
        worked = done - self._skipped
        eta = (f"ETA {duration(elapsed / worked * (self.total - done))}" if 0 < worked and done < self.total
               else "done" if done >= self.total else "ETA ?")
        filled = int(self.width * done / self.total) if self.total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        return f"{self.label}  [{bar}]  {done}/{self.total}  {pct:.0f} %  {duration(elapsed)}  {eta}"

    def update(self, done: int, note: str = "", failed: bool = False, worked: bool = True) -> None:
        if not worked:
            self._skipped += 1
        if failed:
            self._clear()
            print(f"  {self.label}: FAILED {note}", file=self.stream)
        if self.tty:
            self.stream.write("\r\x1b[2K" + self.line(done) + ("\n" if done >= self.total else ""))
            self._drawn = done < self.total
            self.stream.flush()
            return
        step = int(20 * done / self.total) if self.total else 20
        if done in (1, self.total) or step != self._last_step:
            self._last_step = step
            print("  " + self.line(done), file=self.stream)

    def _clear(self) -> None:
        if self.tty and self._drawn:
            self.stream.write("\r\x1b[2K")
            self._drawn = False
