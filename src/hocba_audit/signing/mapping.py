"""The XML-to-model mapping (``audits/schemas/mapping-<n>.yaml``): record profile and row extraction.

The mapping is configuration so the official QĐ 3016 schema can replace the provisional one
without code changes. It says where the signed data block and the role slots are (used by the
verifier) and which XPath of the signed block fills which ``table.column`` of the canonical
model (used to audit only signed content against the grade book).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from lxml import etree

from ..errors import HocbaAuditError
from ..model import TABLES_BY_NAME
from ..paths import audits_dir


def default_mapping_path() -> Path:
    """``audits/schemas/mapping-1.yaml`` (``HOCBA_AUDITS_DIR`` overrides the audits folder)."""
    return audits_dir() / "schemas" / "mapping-1.yaml"


class MappingError(HocbaAuditError):
    """A mapping file is malformed (unknown table or column, bad XPath, missing key)."""


@dataclass(frozen=True)
class RowGroup:
    table: str
    rows: etree.XPath
    const: dict[str, Any]
    fields: dict[str, etree.XPath]


@dataclass(frozen=True)
class RecordMapping:
    """A loaded mapping: where things are in a record, and how rows are extracted."""

    path: Path
    schema_path: Path
    namespaces: dict[str, str]
    root_tag: str
    block_tag: str
    id_attribute: str
    level: etree.XPath
    container_tag: str
    slot_tags: dict[str, str]
    signing_time_tag: str
    signing_time_format: str
    signing_time_zone: dt.timezone
    keys: dict[str, etree.XPath]
    groups: tuple[RowGroup, ...]

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(self.slot_tags)


def _clark(qname: str, ns: dict[str, str], where: str) -> str:
    prefix, sep, local = qname.partition(":")
    if not sep:
        return local if not prefix else prefix
    if prefix not in ns:
        raise MappingError(f"In {where}: unknown namespace prefix '{prefix}'. Hint: declare it under 'namespaces'.")
    return f"{{{ns[prefix]}}}{local}"


def _xpath(expr: str, ns: dict[str, str], where: str) -> etree.XPath:
    try:
        return etree.XPath(expr, namespaces=ns, smart_strings=False)
    except etree.XPathSyntaxError as exc:
        raise MappingError(f"In {where}: XPath '{expr}' does not compile ({exc}).") from None


def _zone(text: str) -> dt.timezone:
    sign = -1 if text.startswith("-") else 1
    hours, _, minutes = text.lstrip("+-").partition(":")
    return dt.timezone(sign * dt.timedelta(hours=int(hours), minutes=int(minutes or 0)))


def load_mapping(path: Path | str | None = None) -> RecordMapping:
    """Load and check a mapping file against the canonical model.

    Raises:
        MappingError: on an unknown table or column, a bad XPath or a missing section.
    """
    path = Path(path) if path is not None else default_mapping_path()
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        ns = dict(doc["namespaces"])
        rec, sig = doc["record"], doc["signatures"]
        groups = []
        for table, specs in doc["tables"].items():
            if table not in TABLES_BY_NAME:
                raise MappingError(f"In {path.name}: unknown table '{table}'; known: {', '.join(TABLES_BY_NAME)}.")
            columns = set(TABLES_BY_NAME[table].column_names) | {"school_id"}
            for spec in specs:
                fields = spec.get("fields", {})
                for col in (*fields, *spec.get("const", {})):
                    if col not in columns:
                        raise MappingError(f"In {path.name}: table '{table}' has no column '{col}'.")
                where = f"{path.name} tables.{table}"
                groups.append(RowGroup(table, _xpath(spec["rows"], ns, where), dict(spec.get("const", {})),
                                       {c: _xpath(f"string({x})", ns, where) for c, x in fields.items()}))
        return RecordMapping(
            path=path, schema_path=path.parent / doc["schema"], namespaces=ns,
            root_tag=_clark(rec["root"], ns, "record.root"),
            block_tag=_clark(rec["signed_block"], ns, "record.signed_block"),
            id_attribute=rec.get("id_attribute", "Id"),
            level=_xpath(f"string({rec['level']})", ns, "record.level"),
            container_tag=_clark(sig["container"], ns, "signatures.container"),
            slot_tags={role: _clark(q, ns, f"signatures.slots.{role}") for role, q in sig["slots"].items()},
            signing_time_tag=_clark(sig["signing_time"], ns, "signatures.signing_time"),
            signing_time_format=sig.get("signing_time_format", "%Y-%m-%dT%H:%M:%S"),
            signing_time_zone=_zone(sig.get("signing_time_zone", "+07:00")),
            keys={c: _xpath(f"string({x})", ns, "keys") for c, x in doc.get("keys", {}).items()},
            groups=tuple(groups),
        )
    except (KeyError, TypeError) as exc:
        raise MappingError(f"In {path.name}: missing or malformed section {exc}.") from None


def _convert(table: str, column: str, text: str) -> Any:
    if text == "":
        return None
    sql_type = "VARCHAR" if column == "school_id" else TABLES_BY_NAME[table].column(column).sql_type
    try:
        if sql_type.startswith("DECIMAL"):
            return Decimal(text)
        if sql_type == "INTEGER":
            return int(text)
        if sql_type == "BOOLEAN":
            return text.strip().lower() in ("true", "1")
        if sql_type == "DATE":
            return dt.date.fromisoformat(text)
    except (ValueError, InvalidOperation):
        return text  # left as text: the schema check reports it
    return text


def extract_rows(block: etree._Element, mapping: RecordMapping) -> dict[str, list[dict[str, Any]]]:
    """Canonical rows from a (signed) data block, per table, with the key columns filled in.

    Pass only the element a signature was verified to cover (``SignatureVerdict.signed_block``),
    so nothing unsigned reaches the content checks. :func:`.values.extract_located` gives the
    same rows with the source line of every value; this is that, without the lines.
    """
    from .values import extract_located

    return {t: [row for row, _ in rows] for t, rows in extract_located(block, mapping).items()}
