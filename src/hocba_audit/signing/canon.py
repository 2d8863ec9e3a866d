"""Canonical XML of a signed subtree (C14N 1.0, exclusive C14N, C14N 1.1 where it equals 1.0).

Two libxml2 facts shape this module:

* libxml2 2.14 (bundled by lxml 6.1.3) canonicalises a subtree wrongly when its default
  namespace is declared on an ancestor: descendants two levels down get ``xmlns=""``. A subtree
  holding any unprefixed element is therefore re-serialised (lxml writes every in-scope
  declaration on the apex, which is what inclusive C14N renders) and re-parsed first.
  signxml 5.2.0 re-parses the signature but not SignedInfo, so it fails on signatures written
  with a default ds namespace (the public interop vectors ``enveloped-*.xml``).
* lxml has no C14N 1.1. C14N 1.1 differs from 1.0 only in how xml:id / xml:base / xml:lang /
  xml:space are inherited, so when neither the subtree nor its ancestors carry an ``xml:``
  attribute the two outputs are identical, and 1.0 is used.
"""

from __future__ import annotations

from lxml import etree

from .algorithms import C14N10, C14N10_COMMENTS, C14N11, C14N11_COMMENTS, EXC_C14N, EXC_C14N_COMMENTS

_XML_NS = "{http://www.w3.org/XML/1998/namespace}"
_REPARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)

#: C14N URI -> (exclusive, with comments, needs no xml:* attributes around)
SUPPORTED: dict[str, tuple[bool, bool, bool]] = {
    C14N10: (False, False, False), C14N10_COMMENTS: (False, True, False),
    EXC_C14N: (True, False, False), EXC_C14N_COMMENTS: (True, True, False),
    C14N11: (False, False, True), C14N11_COMMENTS: (False, True, True),
}


def has_xml_attributes(el: etree._Element, *, subtree: bool) -> bool:
    """True when an ancestor (and, with ``subtree``, the element or a descendant) has an xml:* attribute."""
    node = el.getparent()
    while node is not None:
        if any(k.startswith(_XML_NS) for k in node.attrib):
            return True
        node = node.getparent()
    if subtree:
        return any(k.startswith(_XML_NS) for e in el.iter(etree.Element) for k in e.attrib)
    return False


def supports(uri: str, el: etree._Element) -> bool:
    """Whether :func:`canonical` computes ``uri`` exactly for the subtree at ``el``."""
    spec = SUPPORTED.get(uri)
    if spec is None:
        return False
    return not has_xml_attributes(el, subtree=spec[2])


def _path(node: etree._Element, top: etree._Element) -> list[int]:
    steps = []
    while node is not top:
        parent = node.getparent()
        steps.append(parent.index(node))
        node = parent
    return steps[::-1]


def _remove_keeping_tail(el: etree._Element) -> None:
    parent, prev = el.getparent(), el.getprevious()
    if el.tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def canonical(el: etree._Element, uri: str, memo: dict | None = None, *,
              without: etree._Element | None = None) -> bytes:
    """Canonical form of the subtree at ``el`` (a document subset) by ``uri``.

    Args:
        el: apex of the subtree.
        uri: a C14N algorithm of :data:`SUPPORTED` (check :func:`supports` first).
        memo: shares results between the signatures of one document (they cover the same block).
        without: a descendant to leave out (the enveloped-signature transform); its tail text stays.
    """
    key = (id(el), uri, id(without))
    if memo is not None and key in memo:
        return memo[key]
    exclusive, comments, _ = SUPPORTED[uri]
    src = el
    if without is not None or any(e.prefix is None for e in el.iter(etree.Element)):
        src = etree.fromstring(etree.tostring(el, with_tail=False), _REPARSER)
        if without is not None:
            drop = src
            for i in _path(without, el):
                drop = drop[i]
            _remove_keeping_tail(drop)
    out = etree.tostring(src, method="c14n", exclusive=exclusive, with_comments=comments)
    if memo is not None:
        memo[key] = out
    return out
