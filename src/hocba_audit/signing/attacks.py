"""Changes made to a record after signing, for the defect corpus: tampering and signature wrapping."""

from __future__ import annotations

import copy
from decimal import Decimal, InvalidOperation

from lxml import etree

from .algorithms import DS
from .record import HB

_MARK_TAGS = (HB + "DiemTB", HB + "DiemKTDK")


def tamper(root: etree._Element) -> str:
    """Raise the first mark (or change the first level) in the data block; returns what changed."""
    block = root.find(HB + "DLHocBa")
    for el in block.iter(*_MARK_TAGS):
        try:
            old = Decimal(el.text or "")
        except InvalidOperation:
            continue
        new = Decimal("9.5") if old < Decimal("9.5") else Decimal("5.0")
        el.text = format(new, "f")
        return f"{etree.QName(el).localname} {old} -> {new}"
    for el in block.iter(HB + "Muc"):
        old = el.text
        el.text = "T" if old != "T" else "H"
        return f"Muc {old} -> {el.text}"
    name = block.find(f"{HB}HocSinh/{HB}HoTen")
    name.text = (name.text or "") + " A"
    return "HoTen changed"


def wrap(root: etree._Element, host_role: str = "GVCN") -> str:
    """Classic XML signature wrapping: move the signed data block into a new ``ds:Object`` of the
    ``host_role`` signature, and put a forged copy (new Id, raised marks) where the block was.

    The signatures still verify cryptographically over the moved original (with exclusive C14N;
    inclusive C14N picks up the ds namespace in its new place and breaks the digest), so only a
    verifier that checks *what* each reference points at catches it.
    """
    block = root.find(HB + "DLHocBa")
    sig = root.find(f"{HB}DSCKS/{HB}{host_role}/{DS}Signature")
    forged = copy.deepcopy(block)
    forged.set("Id", block.get("Id") + "-F")
    detail = _raise_marks(forged)
    index = list(root).index(block)
    etree.SubElement(sig, DS + "Object").append(block)  # moves the original
    root.insert(index, forged)
    return f"original moved into {host_role}/ds:Object; forged block: {detail}"


def _raise_marks(block: etree._Element) -> str:
    changed = 0
    for el in block.iter(*_MARK_TAGS):
        el.text = "10"
        changed += 1
    return f"{changed} marks set to 10"
