"""Record types the generator hands out: :class:`Raw` cell text and :class:`SchoolData`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Raw:
    """Force this exact cell text in the written file (used by encoding-level defects)."""

    text: str


@dataclass
class SchoolData:
    """One school's canonical tables plus the ground truth of the defects injected into them."""

    school_id: str
    school_year: str
    level: str
    tables: dict[str, list[dict]]
    truth: list[dict] = field(default_factory=list)


def truth_row(school_id: str, table: str, key: str, field_: str, code: str, detail: str) -> dict:
    """A ground-truth row in the documented shape."""
    return {
        "school_id": school_id,
        "table": table,
        "key": key,
        "field": field_,
        "defect_code": code,
        "detail": detail,
    }
