"""Schema validation of record files: lxml as the fast path, xmlschema for readable problems.

Valid files cost one lxml validation. Only failing files go through xmlschema, whose errors
carry a readable element path (``/HocBa/DLHocBa/KetQuaTHCSTHPT/MonHoc[2]/KetQua[1]/DiemTB``),
the source line and a short reason (``.path``, ``.sourceline``, ``.reason``; ``str(err)`` is long
and escapes Vietnamese, so it is never shown).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..paths import audits_dir
from .safexml import UnsafeXmlError, parse_secure

MAX_PROBLEMS = 50


@dataclass(frozen=True)
class SchemaProblem:
    """One schema violation: where (element path, line) and why."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}, " if self.line else ""
        return f"{where}{self.path}: {self.reason}"


def default_schema_path() -> Path:
    """``audits/schemas/hocba-provisional-1.xsd``."""
    return audits_dir() / "schemas" / "hocba-provisional-1.xsd"


@functools.lru_cache(maxsize=8)
def _lxml_schema(path: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(path), parser))


@functools.lru_cache(maxsize=8)
def _xmlschema(path: Path):  # type: ignore[no-untyped-def]
    import xmlschema

    return xmlschema.XMLSchema(str(path), allow="local", defuse="always")


def _readable_path(path: str | None, ns: str | None) -> str:
    if not path:
        return "/"
    return path.replace(f"{{{ns}}}", "") if ns else path


def validate(xml: bytes | etree._ElementTree, *, schema_path: Path | None = None,
             max_problems: int = MAX_PROBLEMS) -> list[SchemaProblem]:
    """Validate a record; an empty list means valid.

    Args:
        xml: file bytes (parsed with the hardened parser) or an already parsed tree.
        schema_path: the XSD (default: the provisional học bạ schema).
        max_problems: cap on the problems listed for one file.
    """
    path = Path(schema_path or default_schema_path()).resolve()
    if isinstance(xml, (bytes, bytearray)):
        try:
            tree = parse_secure(bytes(xml))
        except UnsafeXmlError as exc:
            return [SchemaProblem("/", None, exc.message)]
    else:
        tree = xml
    if _lxml_schema(path).validate(tree):
        return []
    ns = etree.QName(tree.getroot()).namespace
    problems = []
    for err in _xmlschema(path).iter_errors(tree):
        line = getattr(err, "sourceline", None)
        problems.append(SchemaProblem(_readable_path(err.path, ns), line if isinstance(line, int) else None,
                                      _readable_path(err.reason, ns) or type(err).__name__))
        if len(problems) >= max_problems:
            break
    if not problems:  # the two validators disagree: report lxml's own log, located
        for e in _lxml_schema(path).error_log:
            problems.append(SchemaProblem(e.path or "/", e.line or None, e.message))
    return problems
