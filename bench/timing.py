"""Helpers shared by the report benchmarks (bench/reports.py, bench/charts.py)."""

from __future__ import annotations

import os


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank)."""
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def load() -> str:
    """The load average, said with the CPU count (other programs share the machine)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"
