"""Deterministic seeds: every random stream is derived from (city seed, labels) with SHA-256.

Python's ``hash()`` is salted per process, so it is never used; ``random.Random`` is seeded with
an integer derived here, which makes output independent of the process that produces it.
"""

from __future__ import annotations

import hashlib
import random


def derive_seed(*parts: object) -> int:
    """A 64-bit integer seed from any printable parts (order matters)."""
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def rng_for(*parts: object) -> random.Random:
    """An independent ``random.Random`` stream for the given labels."""
    return random.Random(derive_seed(*parts))
