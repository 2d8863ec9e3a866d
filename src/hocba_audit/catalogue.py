"""Find, parse and validate the rule catalogue (``audits/rules/*.yaml``) into ``Rule`` records.

Every problem is collected with its ``path:line`` and raised once as a ``CatalogueError``.
Rule SQL is checked by a ``SqlChecker``; the default one
(``hocba_audit.runner.SchemaSqlChecker``) binds it (``DESCRIBE``) against an empty in-memory
copy of the canonical schema, with the reference tables, the settings (as DuckDB variables)
and the macros of ``audits/macros`` in place, so this module never touches the database
engine itself. The catalogue carries the declared settings and the macro files, which the
runner applies before running the rules.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from hocba_audit.errors import CatalogueError
from hocba_audit.macros import MacroFile, load_macro_files
from hocba_audit.model import TABLES_BY_NAME
from hocba_audit.rules import (
    CATEGORIES,
    DENOMINATOR_COLUMNS,
    GX_EXPECTATIONS,
    LEVELS,
    REQUIRED_COLUMNS,
    SEVERITIES,
    GxExpectation,
    Rule,
    message_placeholders,
)
from hocba_audit.settings import Setting, declared_settings

CATALOGUE_VERSION = 1
REQUIRED_KEYS: tuple[str, ...] = (
    "code", "severity", "category", "levels", "entity", "fields", "title_vi", "title_en",
    "message", "fix", "legal_basis", "sql", "denominator_sql",
)
OPTIONAL_KEYS: tuple[str, ...] = ("school_years", "gx")
#: Keys whose text is shown to users and must be Vietnamese in Unicode NFC.
_USER_TEXT_KEYS = ("severity", "title_vi", "message", "fix", "legal_basis")
#: Files of the rules folder that are not rule files (bench/accuracy.py's defect maps).
NON_RULE_PREFIXES: tuple[str, ...] = ("defect_map",)
_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z][A-Z0-9]*)*-\d{3}$")
_SCHOOL_YEAR_RE = re.compile(r"^(\d{4})-(\d{4})$")
_MAX_LISTED = 50


@dataclass(frozen=True)
class SqlCheck:
    """What a ``SqlChecker`` found: the output columns, or an error (with its SQL line)."""

    columns: tuple[str, ...] = ()
    error: str | None = None
    line: int | None = None


class SqlChecker(Protocol):
    """Checks one SELECT statement without running it on real data."""

    def __call__(self, sql: str) -> SqlCheck: ...


@dataclass(frozen=True)
class Catalogue:
    """The loaded rules, in file order then declaration order."""

    rules: tuple[Rule, ...]
    files: tuple[Path, ...] = field(default=())
    settings: dict[str, Setting] = field(default_factory=dict)
    """Declared settings (``audits/settings``), by name; the runner sets them as variables."""
    macros: tuple[MacroFile, ...] = ()
    """Macro files (``audits/macros``); the runner executes them before the rules."""

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def __getitem__(self, code: str) -> Rule:
        for rule in self.rules:
            if rule.code == code:
                return rule
        raise KeyError(f"no rule '{code}' in the catalogue")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.rules)

    def select(self, codes: Iterable[str]) -> Catalogue:
        """A catalogue with only the rules whose code is in ``codes`` (unknown codes raise)."""
        wanted = list(codes)
        for code in wanted:
            self[code]
        return Catalogue(tuple(r for r in self.rules if r.code in wanted), self.files,
                         self.settings, self.macros)


def load_catalogue(
    directory: str | Path | None = None,
    *,
    check_sql: SqlChecker | None = None,
    settings_dir: str | Path | None = None,
    macros_dir: str | Path | None = None,
) -> Catalogue:
    """Load and validate every ``*.yaml`` file of ``directory`` (sorted by name).

    Files named ``defect_map*.yaml`` are not rules (they map generator defects to rules for
    ``bench/accuracy.py``) and are skipped.

    Args:
        directory: the rules folder; defaults to ``audits/rules`` of the project.
        check_sql: the SQL checker; defaults to binding (DESCRIBE) on an empty canonical
            schema with the reference tables, the settings' defaults and the macros in place.
        settings_dir: the settings folder; defaults to ``audits/settings`` of the project.
        macros_dir: the macros folder; defaults to ``audits/macros`` of the project.

    Returns:
        The catalogue.

    Raises:
        CatalogueError: listing every problem found, one ``path:line: message`` per line;
            the list is also in its ``problems`` attribute.
    """
    if directory is None:
        from hocba_audit.paths import audits_dir

        directory = audits_dir() / "rules"
    directory = Path(directory)
    if not directory.is_dir():
        _raise([f"{directory}: the rules folder does not exist"])
    files = tuple(p for p in sorted(directory.glob("*.yaml"))
                  if not p.name.startswith(NON_RULE_PREFIXES))
    settings = declared_settings(settings_dir)
    macros = load_macro_files(macros_dir)
    if check_sql is None:
        from hocba_audit.runner import SchemaSqlChecker

        with SchemaSqlChecker(macros=macros, settings=settings) as checker:
            catalogue = _load(files, checker)
    else:
        catalogue = _load(files, check_sql)
    return Catalogue(catalogue.rules, files, settings, macros)


def _load(files: tuple[Path, ...], check_sql: SqlChecker) -> Catalogue:
    problems: list[str] = []
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in files:
        for raw in _read_file(path, problems):
            rule = _validate_rule(path, raw, check_sql, problems)
            if rule is None:
                continue
            if rule.code in seen:
                problems.append(
                    f"{rule.source}: duplicate rule code '{rule.code}', already defined at "
                    f"{seen[rule.code]}; a code is never reused: pick a new one"
                )
                continue
            seen[rule.code] = rule.source
            rules.append(rule)
    if problems:
        _raise(problems)
    return Catalogue(tuple(rules), files)


def _raise(problems: list[str]) -> None:
    shown = problems[:_MAX_LISTED]
    text = f"{len(problems)} problem(s) in the rule catalogue:\n" + "\n".join(shown)
    if len(problems) > len(shown):
        text += f"\n... and {len(problems) - len(shown)} more"
    err = CatalogueError(text)
    err.problems = list(problems)  # type: ignore[attr-defined]
    raise err


class _Located(dict):
    """A YAML mapping that remembers where it and each of its values start."""

    line: int = 0
    key_lines: dict[str, int]
    value_nodes: dict[str, yaml.Node]
    duplicate_keys: list[tuple[str, int]]


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present
    pass


def _construct_located(loader: _LineLoader, node: yaml.MappingNode) -> _Located:
    loader.flatten_mapping(node)
    out = _Located()
    out.line = node.start_mark.line + 1
    out.key_lines, out.value_nodes, out.duplicate_keys = {}, {}, []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in out:
            out.duplicate_keys.append((str(key), line))
        out[key] = loader.construct_object(value_node, deep=True)
        if isinstance(key, str):
            out.key_lines[key] = line
            out.value_nodes[key] = value_node
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_located)


def _read_file(path: Path, problems: list[str]) -> list[_Located]:
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        problems.append(f"{path}:{line}: YAML syntax error: {e.problem or e}")
        return []
    except (OSError, UnicodeDecodeError) as e:
        problems.append(f"{path}:1: cannot read the file: {e}")
        return []
    except (yaml.YAMLError, TypeError) as e:
        problems.append(f"{path}:1: YAML error: {e}")
        return []
    if not isinstance(doc, _Located):
        problems.append(f"{path}:1: expected a mapping with 'catalogue_version' and 'rules'")
        return []
    _report_duplicate_keys(path, doc, problems)
    version = doc.get("catalogue_version")
    if version != CATALOGUE_VERSION:
        line = doc.key_lines.get("catalogue_version", doc.line)
        problems.append(
            f"{path}:{line}: 'catalogue_version' must be {CATALOGUE_VERSION}, but was {version!r}"
        )
    for key in doc:
        if key not in ("catalogue_version", "rules"):
            problems.append(f"{path}:{doc.key_lines.get(key, doc.line)}: unknown top-level key "
                            f"'{key}'; expected 'catalogue_version' and 'rules'")
    rules = doc.get("rules")
    if not isinstance(rules, list):
        line = doc.key_lines.get("rules", doc.line)
        problems.append(f"{path}:{line}: 'rules' must be a list of rules")
        return []
    out: list[_Located] = []
    items = doc.value_nodes["rules"].value
    for item, node in zip(rules, items):
        if isinstance(item, _Located):
            out.append(item)
        else:
            problems.append(f"{path}:{node.start_mark.line + 1}: a rule must be a mapping of keys")
    return out


def _report_duplicate_keys(path: Path, mapping: _Located, problems: list[str]) -> None:
    for key, line in mapping.duplicate_keys:
        problems.append(f"{path}:{line}: key '{key}' is given twice; the first is lost")


def _validate_rule(
    path: Path, raw: _Located, check_sql: SqlChecker, problems: list[str]
) -> Rule | None:
    code = raw.get("code")
    label = f"rule '{code}'" if isinstance(code, str) else "rule"
    before = len(problems)

    def loc(key: str | None = None) -> str:
        return f"{path}:{raw.key_lines.get(key, raw.line) if key else raw.line}"

    def bad(key: str | None, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else loc(key)
        problems.append(f"{where}: {label}: {message}")

    _report_duplicate_keys(path, raw, problems)
    for key in REQUIRED_KEYS:
        if key not in raw or raw[key] is None:
            bad(None, f"missing required key '{key}'")
    for key in raw:
        if key not in REQUIRED_KEYS + OPTIONAL_KEYS:
            hint = difflib.get_close_matches(str(key), REQUIRED_KEYS + OPTIONAL_KEYS, n=1)
            bad(key, f"unknown key '{key}'" + (f"; did you mean '{hint[0]}'?" if hint else ""))

    def text(key: str) -> str | None:
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            bad(key, f"'{key}' must be a non-empty text, but was {value!r}")
            return None
        return value

    def text_list(key: str, *, required: bool = True) -> tuple[str, ...] | None:
        value = raw.get(key)
        if value is None:
            return None if required else ()
        if (not isinstance(value, list) or (required and not value)
                or not all(isinstance(v, str) and v.strip() for v in value)):
            bad(key, f"'{key}' must be a {'non-empty ' if required else ''}list of texts, "
                     f"but was {value!r}")
            return None
        return tuple(value)

    def one_of(key: str, allowed: tuple[str, ...], value: Any) -> None:
        if value is not None and value not in allowed:
            choices = ", ".join(f"'{a}'" for a in allowed)
            bad(key, f"'{key}' must be one of {choices}, but was {value!r}")

    if isinstance(code, str) and not _CODE_RE.match(code):
        bad("code", f"code '{code}' must look like 'HS-001' (upper-case prefix, dash, 3 digits)")
    elif code is not None and not isinstance(code, str):
        bad("code", f"'code' must be a text such as 'HS-001', but was {code!r}")
    severity, category = text("severity"), text("category")
    one_of("severity", SEVERITIES, severity)
    one_of("category", CATEGORIES, category)
    levels = text_list("levels")
    for level in levels or ():
        one_of("levels", LEVELS, level)
    if levels and len(set(levels)) != len(levels):
        bad("levels", f"'levels' lists a level twice: {list(levels)}")
    entity = text("entity")
    table = TABLES_BY_NAME.get(entity) if entity else None
    if entity and table is None:
        bad("entity", f"'entity' must be a canonical table ({', '.join(TABLES_BY_NAME)}), "
                      f"but was '{entity}'")
    fields = text_list("fields")
    if table is not None and fields:
        columns = {name for name, _, _ in table.physical_columns()}
        for f in fields:
            if f not in columns:
                bad("fields", f"field '{f}' is not a column of table '{entity}'")
    school_years = text_list("school_years", required=False)
    for sy in school_years or ():
        m = _SCHOOL_YEAR_RE.match(sy)
        if not m or int(m[2]) != int(m[1]) + 1:
            bad("school_years", f"school year '{sy}' must look like '2025-2026'")
    title_vi, title_en, message = text("title_vi"), text("title_en"), text("message")
    legal_basis = text("legal_basis")
    fix = text_list("fix")
    for key in _USER_TEXT_KEYS:
        values = raw.get(key)
        for v in values if isinstance(values, list) else [values]:
            if isinstance(v, str) and not unicodedata.is_normalized("NFC", v):
                bad(key, f"'{key}' is not in Unicode NFC; re-save the file as NFC")
    placeholders: tuple[str, ...] = ()
    if message is not None:
        try:
            placeholders = message_placeholders(message)
        except ValueError as e:
            bad("message", f"bad message template: {e}")
    sql = _sql_text(raw, "sql", bad)
    denominator_sql = _sql_text(raw, "denominator_sql", bad)
    if sql is not None:
        columns = _check(raw, "sql", sql, check_sql, bad)
        if columns is not None:
            for col in REQUIRED_COLUMNS:
                if col not in columns:
                    bad("sql", f"'sql' must return a column '{col}' (returns {', '.join(columns)})")
            for name in placeholders:
                if name not in columns:
                    bad("message", f"message placeholder '{{{name}}}' is not a column of 'sql' "
                                   f"(returns {', '.join(columns)})")
    if denominator_sql is not None:
        columns = _check(raw, "denominator_sql", denominator_sql, check_sql, bad)
        if columns is not None:
            for col in DENOMINATOR_COLUMNS:
                if col not in columns:
                    bad("denominator_sql", f"'denominator_sql' must return a column '{col}' "
                                           f"(returns {', '.join(columns)})")
    gx = _gx_block(raw, table, bad)
    if len(problems) > before:
        return None
    return Rule(
        code=code, severity=severity, category=category, levels=levels, entity=entity,
        fields=fields, title_vi=title_vi, title_en=title_en, message=message, fix=fix,
        legal_basis=legal_basis, sql=sql, denominator_sql=denominator_sql,
        source=loc(), school_years=school_years or (), gx=gx,
    )


def _gx_block(raw: _Located, table: Any, bad: Any) -> GxExpectation | None:
    """The optional ``gx: {expectation: …, kwargs: {…}}`` block, validated."""
    block = raw.get("gx")
    if block is None:
        return None
    if not isinstance(block, dict) or set(block) - {"expectation", "kwargs"}:
        bad("gx", "'gx' must be a mapping with 'expectation' and 'kwargs'")
        return None
    kind, kwargs = block.get("expectation"), block.get("kwargs") or {}
    if kind not in GX_EXPECTATIONS:
        bad("gx", f"'gx.expectation' must be one of {', '.join(GX_EXPECTATIONS)}, "
                  f"but was {kind!r}")
        return None
    if not isinstance(kwargs, dict):
        bad("gx", "'gx.kwargs' must be a mapping of keyword arguments")
        return None
    missing = [k for k in GX_EXPECTATIONS[kind] if k not in kwargs]
    if missing:
        bad("gx", f"'gx.kwargs' of {kind} needs {', '.join(missing)}")
        return None
    if table is not None:
        columns = {name for name, _, _ in table.physical_columns()}
        named = list(kwargs.get("column_list") or []) + (
            [kwargs["column"]] if "column" in kwargs else [])
        for c in named:
            if c not in columns:
                bad("gx", f"'gx' names column '{c}', which is not a column of '{table.name}'")
                return None
    frozen = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items())
    return GxExpectation(kind, frozen)


def _sql_text(raw: _Located, key: str, bad: Any) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        bad(key, f"'{key}' must be a non-empty SELECT statement")
        return None
    return value.rstrip().rstrip(";").rstrip()


def _check(
    raw: _Located, key: str, sql: str, check_sql: SqlChecker, bad: Any
) -> tuple[str, ...] | None:
    result = check_sql(sql)
    if result.error is None:
        return result.columns
    line = raw.key_lines[key]
    if result.line is not None:
        node = raw.value_nodes[key]
        # A block scalar ('|', '>') starts on the line after its indicator.
        first = node.start_mark.line + (2 if node.style in ("|", ">") else 1)
        line = first + result.line - 1
    bad(key, f"'{key}' does not compile: {result.error}", line)
    return None
