"""A process-wide pool of generated private keys, so slow RSA generation happens once per run.

Keys are generated at run time and never written to the repository. Leaves may share a pool
key ("slot"): that is harmless for the synthetic PKI, where a certificate, not a key, carries
the identity. Tests wrap :func:`pool_key` in a ``scope="session"`` fixture; the bench generates
once per run because the pool lives as long as the process.
"""

from __future__ import annotations

from typing import Union

from cryptography.hazmat.primitives.asymmetric import ec, rsa

PrivateKey = Union[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey]

#: Key kinds: RSA-2048 and ECDSA P-256 for normal use, RSA-1024 for the weak-key defect.
KINDS = ("rsa2048", "ec256", "rsa1024")

_POOL: dict[tuple[str, int], PrivateKey] = {}


def new_key(kind: str) -> PrivateKey:
    """Generate a fresh private key of ``kind`` ('rsa2048', 'ec256' or 'rsa1024')."""
    if kind == "rsa2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "rsa1024":
        return rsa.generate_private_key(public_exponent=65537, key_size=1024)
    if kind == "ec256":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"unknown key kind {kind!r}; known: {', '.join(KINDS)}")


def pool_key(kind: str, slot: int = 0) -> PrivateKey:
    """The pooled key number ``slot`` of ``kind``, generated on first use and then reused."""
    key = _POOL.get((kind, slot))
    if key is None:
        key = _POOL[(kind, slot)] = new_key(kind)
    return key


def key_kind(key: PrivateKey) -> str:
    """'rsa2048', 'rsa1024', 'ec256' … for a private key."""
    if isinstance(key, rsa.RSAPrivateKey):
        return f"rsa{key.key_size}"
    return f"ec{key.curve.key_size}"
