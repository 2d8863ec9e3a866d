"""Hardened XML parsing for signed records: no DTD, no entities, no network, bounded size."""

from __future__ import annotations

from lxml import etree

from ..errors import HocbaAuditError

#: Default size limit of one record file (a signed học bạ year is ~10-30 KB).
MAX_BYTES = 4 * 1024 * 1024


class UnsafeXmlError(HocbaAuditError):
    """An XML input refused before or while parsing (DOCTYPE, entity, size, syntax)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_blank_text=False, collect_ids=False,
    )


_PARSER = _parser()


def parse_secure(data: bytes, *, max_bytes: int = MAX_BYTES) -> etree._ElementTree:
    """Parse ``data`` refusing any DOCTYPE (so no entity expansion, XXE or billion laughs).

    Raises:
        UnsafeXmlError: code ``too_large``, ``doctype``, ``entity`` or ``syntax``.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise UnsafeXmlError("type", "XML input must be bytes, not text. Hint: read the file in binary mode.")
    if len(data) > max_bytes:
        raise UnsafeXmlError("too_large", f"XML input of {len(data)} bytes exceeds the limit of {max_bytes}.")
    # Cheap refusal before parsing; the check after parsing also covers non-UTF-8 encodings.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise UnsafeXmlError("doctype", "XML input declares a DOCTYPE; records must not carry a DTD.")
    try:
        tree = etree.ElementTree(etree.fromstring(bytes(data), _PARSER))
    except etree.XMLSyntaxError as exc:
        raise UnsafeXmlError("syntax", f"XML input is not well-formed: {exc}.") from None
    info = tree.docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise UnsafeXmlError("doctype", "XML input declares a DOCTYPE; records must not carry a DTD.")
    for _ in tree.getroot().iter(etree.Entity):
        raise UnsafeXmlError("entity", "XML input contains an entity reference.")
    return tree
