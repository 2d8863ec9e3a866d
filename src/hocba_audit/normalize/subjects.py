"""Subjects of subjects.yaml (``subjects``, ``subject_name``) and the 'subject' kind."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hocba_audit.normalize.did_you_mean import did_you_mean
from hocba_audit.normalize.fold_key import fold_key
from hocba_audit.normalize.reference import load_reference, reference_cached
from hocba_audit.normalize.result import Note, Result, fail

LEVELS = ("TH", "THCS", "THPT", "GDTX")
_PAREN = re.compile(r"^(?P<outer>.+?)\s*[(\[](?P<inner>[^()\[\]]+)[)\]]\s*$")


@dataclass(frozen=True)
class SubjectLevel:
    """How a subject is taught at one school level."""

    level: str  # TH, THCS, THPT or GDTX
    grades: tuple[int, ...]
    periods: dict[int, int | None]  # grade -> periods per year (None: unknown)
    mode: str  # 'điểm' or 'nhận xét'
    group: str  # compulsory, elective or optional
    optional_grades: tuple[int, ...] = ()
    periodic_tests: dict[int, tuple[str, ...]] = field(default_factory=dict)  # TH only


@dataclass(frozen=True)
class SubjectRef:
    """A subject: canonical code, Vietnamese name, aliases, parts and per-level facts."""

    code: str
    name: str
    aliases: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    levels: dict[str, SubjectLevel] = field(default_factory=dict)

    def level_for(self, grade: int) -> SubjectLevel | None:
        """The day-school level (TH, THCS, THPT) teaching this subject in ``grade``, if any."""
        for lv in self.levels.values():
            if lv.level != "GDTX" and grade in lv.grades:
                return lv
        return None


def subject_key(s: str) -> str:
    """Loose key of a subject name: fold_key, i/y folded, leading 'môn (học)' and spaces dropped."""
    key = fold_key(s)
    for prefix in ("mon hoc ", "mon "):
        if key.startswith(prefix):
            key = key[len(prefix):]
            break
    return key.replace(" ", "").replace("y", "i")


def _level(name: str, row: dict) -> SubjectLevel:
    grades = tuple(int(g) for g in row["grades"])
    periods_raw = row.get("periods")
    if isinstance(periods_raw, dict):
        periods = {int(g): (None if p is None else int(p)) for g, p in periods_raw.items()}
    else:
        periods = {g: (None if periods_raw is None else int(periods_raw)) for g in grades}
    tests = {int(g): tuple(v) for g, v in (row.get("periodic_tests") or {}).items()}
    return SubjectLevel(
        name, grades, periods, row["mode"], row.get("group", "compulsory"),
        tuple(int(g) for g in row.get("optional_grades") or ()), tests,
    )


@reference_cached
def subjects() -> tuple[SubjectRef, ...]:
    """Every subject of subjects.yaml, in file order."""
    out = []
    for r in load_reference("subjects")["subjects"]:
        levels = {name: _level(name, row) for name, row in (r.get("levels") or {}).items()}
        out.append(
            SubjectRef(r["code"], r["name"], tuple(r.get("aliases") or ()),
                       tuple(r.get("components") or ()), levels)
        )
    return tuple(out)


@reference_cached
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for s in subjects():
        for text in (s.code, s.name, *s.aliases):
            key = subject_key(text)
            if index.setdefault(key, s.code) != s.code:
                raise ValueError(
                    f"subjects.yaml: '{text}' của {s.code} trùng khoá với môn {index[key]}."
                )
    return index


@reference_cached
def _by_code() -> dict[str, SubjectRef]:
    return {s.code: s for s in subjects()}


@reference_cached
def _display_names() -> tuple[str, ...]:
    return tuple(t for s in subjects() for t in (s.name, *s.aliases))


def subject_name(code: str) -> str:
    """The Vietnamese name of a canonical subject code; KeyError if unknown."""
    return _by_code()[code].name


def subject_ref(code: str) -> SubjectRef:
    """The SubjectRef of a canonical subject code; KeyError if unknown."""
    return _by_code()[code]


@reference_cached(maxsize=4096)
def subject_value(text: str) -> Result:
    """The 'subject' kind: canonical code of a subject name, alias or code."""
    index = _index()
    code = index.get(subject_key(text))
    if code is not None:
        return Result(code)
    m = _PAREN.match(text)
    if m:
        outer = index.get(subject_key(m.group("outer")))
        if outer is not None:
            return _qualified(text, outer, m.group("inner"))
    hint = did_you_mean(text, _display_names())
    return fail("unknown_subject", f"Không nhận ra môn học '{text}'.", hint)


def _qualified(text: str, code: str, inner: str) -> Result:
    ref = _by_code()[code]
    index = _index()
    inner_key = subject_key(inner)
    inner_code = index.get(inner_key)
    for part in ref.components:
        part_key = subject_key(part)
        if part_key == inner_key or (inner_code is not None and index.get(part_key) == inner_code):
            note = Note(
                "subject_component",
                f"'{text}' là phân môn '{part}' của môn '{ref.name}'; được ghi nhận theo mã "
                f"{code}.",
                part,
            )
            return Result(code, (note,))
    if inner_code == code:
        return Result(code)
    note = Note(
        "subject_qualifier_ignored",
        f"Phần trong ngoặc '({inner})' của '{text}' không phải tên môn hay phân môn đã biết; "
        f"được ghi nhận là môn '{ref.name}' ({code}).",
        ref.name,
    )
    return Result(code, (note,))
