"""Rule records: what a data-quality rule declares, and what running it produced.

A rule is declared in ``audits/rules/*.yaml`` (see ``docs/rules-format.md``) and loaded by
``hocba_audit.catalogue``; ``hocba_audit.runner`` executes it. This module holds only the
records, so it imports no database engine.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from enum import Enum

#: Rule severities, as written in the catalogue and shown in reports.
SEVERITIES: tuple[str, ...] = ("lỗi", "cảnh báo")
#: Rule categories.
CATEGORIES: tuple[str, ...] = ("completeness", "validity", "consistency", "grading", "signing")
#: School levels a rule can apply to (an inter-level school such as 'TH-THCS' has both).
LEVELS: tuple[str, ...] = ("TH", "THCS", "THPT", "GDTX")
#: Columns every rule's ``sql`` must return, in this order of meaning.
REQUIRED_COLUMNS: tuple[str, ...] = ("school_id", "entity_key", "field", "bad_value")
#: Provenance columns a rule's ``sql`` may return; copied into ``findings`` when present.
OPTIONAL_COLUMNS: tuple[str, ...] = ("src_file", "src_sheet", "src_row")
#: Columns a rule's ``denominator_sql`` must return.
DENOMINATOR_COLUMNS: tuple[str, ...] = ("school_id", "checked")
#: Great Expectations expectation types a rule's ``gx`` block may name, with the keyword
#: arguments each requires (``hocba_audit.gx_export`` writes them as GX 1.x suites).
GX_EXPECTATIONS: dict[str, tuple[str, ...]] = {
    "expect_column_values_to_not_be_null": ("column",),
    "expect_column_values_to_match_regex": ("column", "regex"),
    "expect_column_values_to_be_in_set": ("column", "value_set"),
    "expect_column_values_to_be_between": ("column",),
    "expect_column_values_to_be_unique": ("column",),
    "expect_compound_columns_to_be_unique": ("column_list",),
}


class Outcome(str, Enum):
    """The outcome of one rule for one school."""

    PASSED = "PASSED"
    """Records were checked and none failed."""
    FAILED = "FAILED"
    """At least one checked record failed."""
    ERROR = "ERROR"
    """The rule's SQL raised; ``RuleResult.error`` holds the engine's message."""
    NOT_APPLICABLE = "NOT_APPLICABLE"
    """The rule does not apply to the school's level or years, or there was nothing to check."""


@dataclass(frozen=True)
class GxExpectation:
    """A rule's equivalent Great Expectations expectation (the rule's optional ``gx`` block).

    The engine's failing count for the rule equals GX's ``unexpected_count`` of this
    expectation on the rule's entity table (all schools together).
    """

    type: str
    kwargs: tuple[tuple[str, object], ...]

    @property
    def kwargs_dict(self) -> dict[str, object]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.kwargs}


@dataclass(frozen=True)
class Rule:
    """One data-quality rule: SQL selecting the failing records, plus the words around it."""

    code: str
    severity: str
    category: str
    levels: tuple[str, ...]
    entity: str
    fields: tuple[str, ...]
    title_vi: str
    title_en: str
    message: str
    fix: tuple[str, ...]
    legal_basis: str
    sql: str
    denominator_sql: str
    source: str = ""
    school_years: tuple[str, ...] = ()
    gx: GxExpectation | None = None

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Column names used as ``{name}`` in the message template, in order of appearance."""
        return message_placeholders(self.message)

    def render_fix(self) -> str:
        """The fix steps as one numbered Vietnamese text, one step per line."""
        return "\n".join(f"{i}. {step}" for i, step in enumerate(self.fix, 1))

    def applies_to(self, level: str | None, school_years: tuple[str, ...] = ()) -> bool:
        """Whether the rule applies to a school of ``level`` whose export covers ``school_years``.

        A school of unknown level (NULL) gets every rule; so does a school whose export lists
        no school years when the rule is restricted to some.
        """
        if level is not None and level.strip():
            if not set(self.levels) & set(school_levels(level)):
                return False
        if self.school_years and school_years:
            return bool(set(self.school_years) & set(school_years))
        return True


@dataclass(frozen=True)
class RuleResult:
    """The result of one rule for one school in one run (a row of ``rule_results``)."""

    run_id: str
    rule_code: str
    school_id: str
    severity: str
    checked: int | None
    failing: int | None
    rate: float | None
    outcome: Outcome
    error: str | None = None


def school_levels(level: str) -> tuple[str, ...]:
    """The levels of a school: ``'TH-THCS'`` -> ``('TH', 'THCS')``.

    >>> school_levels("TH-THCS")
    ('TH', 'THCS')
    """
    return tuple(part.strip().upper() for part in level.split("-") if part.strip())


def message_placeholders(template: str) -> tuple[str, ...]:
    """The ``{name}`` placeholders of a message template (``{{`` and ``}}`` are literal braces).

    Raises ValueError for an unbalanced brace.

    >>> message_placeholders("Học sinh {entity_key}: '{bad_value}' {{x}}")
    ('entity_key', 'bad_value')
    """
    names: list[str] = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if spec or conversion:
            raise ValueError(f"placeholder '{{{name}}}' must be a bare column name")
        names.append(name)
    return tuple(names)


def message_parts(template: str) -> list[tuple[str, str | None]]:
    """The template as (literal text, column name or None) pairs, for set-based rendering."""
    return [(literal, name) for literal, name, _, _ in string.Formatter().parse(template)]
