"""Audit settings: named, typed, documented values that rule SQL reads with ``getvariable``.

Settings are declared in ``audits/settings/*.yaml`` (see ``docs/settings.md``)::

    settings_version: 1
    settings:
      - name: max_class_size_secondary
        default: 45
        type: int                       # bool | int | decimal | text | date
        help: Largest class (pupils enrolled) not reported, THCS and THPT.
        domain_ref: domain.md §6.1

A file may also be a bare list of such entries. ``load_settings`` returns the values (defaults,
then overrides); ``setting_statements`` turns them into ``SET VARIABLE`` statements, which the
runner executes before the rules, so rule SQL reads ``getvariable('max_class_size_secondary')``.
This module never imports the database engine.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from hocba_audit.errors import CatalogueError

SETTINGS_VERSION = 1
#: Setting types and the Python type of their values.
TYPES: dict[str, type] = {"bool": bool, "int": int, "decimal": Decimal, "text": str,
                          "date": dt.date}
_KEYS = ("name", "default", "type", "help", "domain_ref")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_TRUE = {"true", "yes", "1", "on", "có"}
_FALSE = {"false", "no", "0", "off", "không"}
#: The forms a date setting accepts: ISO and the Vietnamese day-first form (two-digit day and
#: month, four-digit year).
_ISO_DATE_RE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_VN_DATE_RE = re.compile(r"^([0-9]{2})/([0-9]{2})/([0-9]{4})$")
DATE_FORMS = "YYYY-MM-DD (e.g. 2026-06-30) or dd/mm/yyyy (e.g. 30/06/2026)"

Value = bool | int | Decimal | str | dt.date | None


class SettingsError(CatalogueError):
    """A settings file is malformed, or an override names an unknown setting or a bad value."""


@dataclass(frozen=True)
class Setting:
    """One declared setting."""

    name: str
    default: Value
    type: str
    help: str
    domain_ref: str
    source: str = ""

    def parse(self, value: Any) -> Value:
        """``value`` (a YAML value or a command-line text) as this setting's type.

        Raises ValueError with an English sentence naming the expected type.
        """
        return coerce(self.type, value)


def coerce(type_name: str, value: Any) -> Value:
    """Convert ``value`` to the Python value of setting type ``type_name`` (None stays None).

    >>> coerce("int", "45"), coerce("bool", "false"), coerce("decimal", "5.0")
    (45, False, Decimal('5.0'))
    >>> coerce("date", "2026-06-30"), coerce("date", "30/06/2026")
    (datetime.date(2026, 6, 30), datetime.date(2026, 6, 30))
    """
    if value is None:
        return None
    if type_name == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"'{value}' is not a bool (true or false)")
    if type_name == "int":
        if isinstance(value, bool):
            raise ValueError(f"'{value}' is not an int")
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise ValueError(f"'{value}' is not an int") from None
    if type_name == "decimal":
        if isinstance(value, bool):
            raise ValueError(f"'{value}' is not a decimal")
        try:
            d = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            raise ValueError(f"'{value}' is not a decimal number") from None
        if not d.is_finite():
            raise ValueError(f"'{value}' is not a finite decimal number")
        return d
    if type_name == "text":
        return str(value)
    if type_name == "date":
        return _date(value)
    raise ValueError(f"unknown setting type '{type_name}'; use one of {', '.join(TYPES)}")


def _date(value: Any) -> dt.date:
    """A date setting's value: a ``date`` (an unquoted YAML date) or a text 'YYYY-MM-DD' or
    'dd/mm/yyyy'. Anything else (a time of day, single-digit parts, a day the calendar has not)
    is a ValueError naming the accepted forms."""
    if isinstance(value, dt.datetime):
        raise ValueError(f"'{value}' is a date and time, not a date; write it as {DATE_FORMS}")
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    parts: tuple[str, str, str] | None = None
    if m := _ISO_DATE_RE.match(text):
        parts = (m[1], m[2], m[3])
    elif m := _VN_DATE_RE.match(text):
        parts = (m[3], m[2], m[1])
    if parts is not None:
        try:
            return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            raise ValueError(f"'{value}' is not a date (no such day); write it as "
                             f"{DATE_FORMS}") from None
    raise ValueError(f"'{value}' is not a date; write it as {DATE_FORMS}")


def settings_dir() -> Path:
    """The project's ``audits/settings`` folder."""
    from hocba_audit.paths import audits_dir

    return audits_dir() / "settings"


def declared_settings(directory: str | Path | None = None) -> dict[str, Setting]:
    """Every setting declared in ``directory`` (default ``audits/settings``), by name.

    Files are read in sorted name order. A missing folder declares nothing.

    Raises:
        SettingsError: listing every problem as ``path:line: message``, among them a name
            declared in two files (both named).
    """
    directory = settings_dir() if directory is None else Path(directory)
    out: dict[str, Setting] = {}
    problems: list[str] = []
    if not directory.is_dir():
        return out
    for path in sorted(directory.glob("*.yaml")):
        for setting in _read_file(path, problems):
            if setting.name in out:
                problems.append(
                    f"{setting.source}: setting '{setting.name}' is declared twice: here and at "
                    f"{out[setting.name].source}; give one of them another name"
                )
                continue
            out[setting.name] = setting
    if problems:
        err = SettingsError(f"{len(problems)} problem(s) in the settings:\n" + "\n".join(problems))
        err.problems = problems  # type: ignore[attr-defined]
        raise err
    return out


def load_settings(
    dir: str | Path | None = None, overrides: Mapping[str, Any] | None = None
) -> dict[str, Value]:
    """The value of every declared setting: its default, or the override given for it.

    Args:
        dir: the settings folder; defaults to ``audits/settings``.
        overrides: name -> value (a typed value or a text such as ``"46"`` or ``"false"``).

    Returns:
        name -> value, in declaration order.

    Raises:
        SettingsError: a file is malformed, an override names an unknown setting (with a
            "did you mean" hint) or its value does not fit the setting's type.
    """
    return resolve_settings(declared_settings(dir), overrides)


def resolve_settings(
    declared: Mapping[str, Setting], overrides: Mapping[str, Any] | None = None
) -> dict[str, Value]:
    """Defaults of ``declared`` with ``overrides`` applied (see ``load_settings``)."""
    values: dict[str, Value] = {name: s.default for name, s in declared.items()}
    problems: list[str] = []
    for name, raw in (overrides or {}).items():
        setting = declared.get(name)
        if setting is None:
            hint = difflib.get_close_matches(name, list(declared), n=1)
            problems.append(
                f"unknown setting '{name}'"
                + (f"; did you mean '{hint[0]}'?" if hint else
                   f"; known settings: {', '.join(declared) or '(none)'}")
            )
            continue
        try:
            values[name] = setting.parse(raw)
        except ValueError as e:
            problems.append(f"setting '{name}' ({setting.type}): {e}")
    if problems:
        err = SettingsError("; ".join(problems))
        err.problems = problems  # type: ignore[attr-defined]
        raise err
    return values


def parse_setting_assignments(pairs: Iterable[str]) -> dict[str, str]:
    """``["a=1", "b=x=y"]`` -> ``{"a": "1", "b": "x=y"}``; for ``--setting name=value``.

    Raises:
        SettingsError: an item without ``=`` or with an empty name.

    >>> parse_setting_assignments(["max_class_size_primary=36"])
    {'max_class_size_primary': '36'}
    """
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise SettingsError(
                f"setting '{pair}' must be written name=value, e.g. max_class_size_primary=36"
            )
        out[name.strip()] = value.strip()
    return out


def setting_statements(
    values: Mapping[str, Value], declared: Mapping[str, Setting] | None = None
) -> list[str]:
    """``SET VARIABLE`` statements giving each setting its value, typed for DuckDB.

    bool -> BOOLEAN, int -> BIGINT, decimal -> DECIMAL(18,6), text -> VARCHAR, date -> DATE
    (so ``duckdb_variables()`` and ``run_settings`` show it as 'YYYY-MM-DD'); a NULL value
    keeps the declared type. Without ``declared`` the type follows the Python value.

    >>> setting_statements({"max_class_size_primary": 35})
    ['SET VARIABLE max_class_size_primary = CAST(35 AS BIGINT)']
    """
    out = []
    for name, value in values.items():
        if not _NAME_RE.match(name):
            raise SettingsError(f"setting name '{name}' must be lower_snake_case")
        type_name = declared[name].type if declared and name in declared else _type_of(value)
        out.append(f"SET VARIABLE {name} = {_literal(type_name, value)}")
    return out


def _type_of(value: Value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, Decimal | float):
        return "decimal"
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return "date"
    return "text"


_SQL_TYPES = {"bool": "BOOLEAN", "int": "BIGINT", "decimal": "DECIMAL(18,6)", "text": "VARCHAR",
              "date": "DATE"}


def _literal(type_name: str, value: Value) -> str:
    sql_type = _SQL_TYPES[type_name]
    if value is None:
        return f"CAST(NULL AS {sql_type})"
    if type_name == "bool":
        return f"CAST({'true' if value else 'false'} AS BOOLEAN)"
    if type_name == "int":
        return f"CAST({int(value)} AS BIGINT)"
    if type_name == "decimal":
        return f"CAST('{Decimal(str(value))}' AS DECIMAL(18,6))"
    if type_name == "date":
        return f"CAST('{_date(value).isoformat()}' AS DATE)"
    text = str(value).replace("'", "''")
    return f"CAST('{text}' AS VARCHAR)"


def _read_file(path: Path, problems: list[str]) -> list[Setting]:
    try:
        text = path.read_text(encoding="utf-8")
        doc = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problems.append(f"{path}:{mark.line + 1 if mark else 1}: YAML syntax error: {e.problem}")
        return []
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        problems.append(f"{path}:1: cannot read the settings file: {e}")
        return []
    if data is None:
        return []
    items_node: Any = doc
    if isinstance(data, dict):
        unknown = set(data) - {"settings_version", "settings"}
        if unknown:
            problems.append(f"{path}:1: unknown top-level key(s) {', '.join(map(repr, unknown))}; "
                            "expected 'settings_version' and 'settings'")
        version = data.get("settings_version", SETTINGS_VERSION)
        if version != SETTINGS_VERSION:
            problems.append(f"{path}:1: 'settings_version' must be {SETTINGS_VERSION}, "
                            f"but was {version!r}")
        data = data.get("settings")
        items_node = next((v for k, v in doc.value if k.value == "settings"), None)
    if not isinstance(data, list):
        problems.append(f"{path}:1: expected a list of settings (or a mapping with 'settings:')")
        return []
    out: list[Setting] = []
    for item, node in zip(data, items_node.value):
        line = node.start_mark.line + 1
        where = f"{path}:{line}"
        if not isinstance(item, dict):
            problems.append(f"{where}: a setting must be a mapping of {', '.join(_KEYS)}")
            continue
        label = f"setting '{item.get('name')}'"
        missing = [k for k in _KEYS if k not in item]
        unknown = [k for k in item if k not in _KEYS]
        for k in missing:
            problems.append(f"{where}: {label}: missing required key '{k}'")
        for k in unknown:
            hint = difflib.get_close_matches(str(k), _KEYS, n=1)
            problems.append(f"{where}: {label}: unknown key '{k}'"
                            + (f"; did you mean '{hint[0]}'?" if hint else ""))
        if missing or unknown:
            continue
        name, type_name = item["name"], item["type"]
        if not isinstance(name, str) or not _NAME_RE.match(name):
            problems.append(f"{where}: {label}: 'name' must be lower_snake_case")
            continue
        if type_name not in TYPES:
            problems.append(f"{where}: {label}: 'type' must be one of "
                            f"{', '.join(TYPES)}, but was {type_name!r}")
            continue
        for k in ("help", "domain_ref"):
            if not isinstance(item[k], str) or not item[k].strip():
                problems.append(f"{where}: {label}: '{k}' must be a non-empty text")
        try:
            default = coerce(type_name, item["default"])
        except ValueError as e:
            problems.append(f"{where}: {label}: bad default: {e}")
            continue
        out.append(Setting(name, default, type_name, str(item["help"]).strip(),
                           str(item["domain_ref"]).strip(), where))
    return out
