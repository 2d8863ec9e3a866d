"""The values a học bạ's signatures cover, as ``signed_values`` rows with their source lines.

Read through the record mapping (``audits/schemas/mapping-1.yaml``) from the signed block only
(:func:`extract_located` is the one reader; :func:`.mapping.extract_rows` drops its lines), and written in the
contract's canonical text ('7', '8.5', 'true', '2013-02-01', NFC text).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal
from typing import Any

from lxml import etree

from .. import model
from .mapping import RecordMapping, _convert

_NODE_XPATHS: dict[tuple[int, str], etree.XPath] = {}


def canonical_text(value: Any) -> str | None:
    """The contract's text form: '7', '8.5', 'true', '2010-05-01', NFC text; None stays None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "0") else text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return canonical_text(Decimal(repr(value)))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value))


def _node_xpath(xpath: etree.XPath, namespaces: dict[str, str]) -> etree.XPath:
    """The node-set form of a mapping's ``string(X)`` XPath, to find the element a value came from."""
    key = (id(xpath), xpath.path)
    hit = _NODE_XPATHS.get(key)
    if hit is None:
        expr = xpath.path
        if expr.startswith("string(") and expr.endswith(")"):
            expr = expr[len("string("):-1]
        hit = _NODE_XPATHS[key] = etree.XPath(expr, namespaces=namespaces)
    return hit


def _located(result: Any, default: int) -> tuple[str, int]:
    """XPath ``string()`` of a node-set result (its first node) and that node's source line."""
    if not isinstance(result, list):
        return ("" if result is None else str(result)), default
    if not result:
        return "", default
    node = result[0]
    if isinstance(node, etree._Element):
        text = (node.text or "") if len(node) == 0 else node.xpath("string()")
        return text, node.sourceline or default
    parent = getattr(node, "getparent", lambda: None)()
    return str(node), (parent.sourceline if parent is not None else None) or default


def extract_located(block: etree._Element, mapping: RecordMapping) -> dict[str, list[tuple[dict, dict]]]:
    """Canonical rows of a data block with the source line of every value: per table, ``(row, {column: line})``.

    Each mapping XPath is evaluated once as a node-set, to know where the value came from.
    """
    keys: dict[str, tuple[str, int]] = {
        c: _located(_node_xpath(x, mapping.namespaces)(block), block.sourceline or 1) for c, x in mapping.keys.items()}
    out: dict[str, list[tuple[dict, dict]]] = {}
    for g in mapping.groups:
        columns = set(model.table(g.table).column_names) | {"school_id"}
        fields = [(c, _node_xpath(x, mapping.namespaces)) for c, x in g.fields.items()]
        for el in g.rows(block):
            here = el.sourceline or 1
            row = {c: _convert(g.table, c, t) for c, (t, _) in keys.items() if c in columns}
            lines = {c: line for c, (_, line) in keys.items() if c in columns}
            row.update(g.const)
            lines.update(dict.fromkeys(g.const, here))
            for col, xp in fields:
                text, line = _located(xp(el), here)
                row[col], lines[col] = _convert(g.table, col, text), line
            out.setdefault(g.table, []).append((row, lines))
    return out


def signed_value_rows(block: etree._Element, mapping: RecordMapping) -> list[dict[str, Any]]:
    """``signed_values`` rows (without provenance) of a verified signed block.

    Each row's key is its table's model key without school_id, '|'-joined; only non-key columns
    with a value are rows; ``src_row`` is the XML line of the element the value came from.
    """
    out = []
    for table, located in extract_located(block, mapping).items():
        key = [k for k in model.table(table).key if k != "school_id"]
        skip = {*key, "school_id"}
        for row, lines in located:
            row_key = "|".join(canonical_text(row.get(k)) or "" for k in key)
            for col, value in row.items():
                if value is None or col in skip:
                    continue
                out.append({"source_table": table, "row_key": row_key, "field": col,
                            "value": canonical_text(value), "src_row": lines.get(col, 1)})
    return out
