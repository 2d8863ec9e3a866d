"""SQL macros shared by rules: every ``audits/macros/*.sql`` file, run before the rules.

A macro file holds ``CREATE OR REPLACE MACRO …`` statements (any statement DuckDB accepts).
Files run in sorted name order, statement by statement, on the audit connection before the
rules run and on the empty schema the catalogue checks rule SQL against, so rule SQL may call
the macros. A failing statement is a ``CatalogueError`` naming the file, the line and the
statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from hocba_audit.errors import CatalogueError


@dataclass(frozen=True)
class MacroFile:
    """One macro file: where it is and its text."""

    path: Path
    text: str


def macros_dir() -> Path:
    """The project's ``audits/macros`` folder."""
    from hocba_audit.paths import audits_dir

    return audits_dir() / "macros"


def load_macro_files(directory: str | Path | None = None) -> tuple[MacroFile, ...]:
    """Every ``*.sql`` file of ``directory`` (default ``audits/macros``), sorted by name.

    A missing folder has no macros.

    Raises:
        CatalogueError: a file cannot be read as UTF-8.
    """
    directory = macros_dir() if directory is None else Path(directory)
    if not directory.is_dir():
        return ()
    out = []
    for path in sorted(directory.glob("*.sql")):
        try:
            out.append(MacroFile(path, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as e:
            raise CatalogueError(f"{path}:1: cannot read the macro file: {e}") from e
    return tuple(out)


def apply_macros(con, files: tuple[MacroFile, ...]) -> None:
    """Run every statement of every macro file on the DuckDB connection ``con``, in order.

    Raises:
        CatalogueError: ``path:line: macro statement '<first line>' failed: <DuckDB error>``.
    """
    import duckdb

    for macro in files:
        try:
            statements = con.extract_statements(macro.text)
        except duckdb.Error as e:
            raise CatalogueError(
                f"{macro.path}:1: the macro file does not parse: {_first_line(str(e))}"
            ) from e
        pos = 0
        for stmt in statements:
            query = stmt.query
            start = macro.text.find(query, pos)
            if start < 0:
                start = pos
            pos = start + len(query)
            body = query.lstrip()
            line = macro.text.count("\n", 0, start + len(query) - len(body)) + 1
            try:
                con.execute(query).fetchall()
            except duckdb.Error as e:
                head = _first_line(body.splitlines()[0] if body else "")
                raise CatalogueError(
                    f"{macro.path}:{line}: macro statement '{head}' failed: "
                    f"{_first_line(str(e))}"
                ) from e


_MACRO_NAME_RE = re.compile(
    r"\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?MACRO\s+(?:\w+\.)?(\w+)",
    re.IGNORECASE)


def macro_names(files: tuple[MacroFile, ...]) -> frozenset[str]:
    """Names of the macros the files create (lower case)."""
    return _macro_names(tuple(m.text for m in files))


@lru_cache(maxsize=32)
def _macro_names(texts: tuple[str, ...]) -> frozenset[str]:
    return frozenset(n.lower() for t in texts for n in _MACRO_NAME_RE.findall(t))


def uses_macros(sql: str, files: tuple[MacroFile, ...]) -> bool:
    """Whether ``sql`` calls one of the macros of ``files`` (``name(`` as a word)."""
    names = macro_names(files)
    if not names:
        return False
    return any(m.lower() in names for m in re.findall(r"\b(\w+)\s*\(", sql))


def _first_line(text: str) -> str:
    return " ".join(text.split("\n\n", 1)[0].split())[:300]
