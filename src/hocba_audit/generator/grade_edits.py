"""The grade-book edit log (nhật ký sửa điểm): a few changed marks of 10-20 % of the pupils.

Built from the school's finished tables (after every defect), so each edit's ``new_value`` is
exactly what the grade book now holds: a TT 22 mark (TX1…TX4, GK, CK of a semester) or a TT 27
level / periodic test score (of a subject, quality or competence at GK1, CK1, GK2, CN). The old
value is a plausible earlier entry (another mark, often a slip such as 85 for 8.5; the other
token or level). Times fall in the working hours and evenings of the part of the school year
the assessment belongs to, after the pupil's enrolment and never after 20 May of the second
calendar year (the signing window of the học bạ opens on 25 May). Edits are not defects: they
carry no truth rows. The stream is ``rng_for("grade_edits", seed, index)``: deterministic, and
independent of every other stream (adding the log changed no other table).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from .pupils import ACTIVE, IN, Calendar
from .records import Raw

#: last day an edit may carry: (month, day) of the second calendar year of the school year
LAST_EDIT = (5, 20)
SHARE = (0.10, 0.20)          # share of the enrolled (not departed) pupils with edits
EDITS_PER_PUPIL = ((1, 0.6), (2, 0.3), (3, 0.1))
_SUBJECT_SCALE = ("T", "H", "C")
_QC_SCALE = ("T", "Đ", "C")
_DAY = dt.timedelta(days=1)
_D = Decimal


def plain(v: object) -> str:
    """Canonical text of a grade-book value: '7', '8.5', 'Đ' (no trailing zeros)."""
    if isinstance(v, Decimal):
        return format(v.normalize(), "f")
    return str(v)


def last_edit_day(cal: Calendar) -> dt.date:
    return min(cal.end, dt.date(cal.end.year, *LAST_EDIT))


def _windows(cal: Calendar) -> dict[tuple[str, str], tuple[dt.date, dt.date]]:
    """(period, assessment) -> the days an edit of it can fall on."""
    start, hk2, last = cal.start, cal.hk2_start, last_edit_day(cal)
    return {
        ("HK1", "TX"): (start + 14 * _DAY, hk2 + 10 * _DAY),
        ("HK1", "GK"): (start + 50 * _DAY, hk2 + 10 * _DAY),
        ("HK1", "CK"): (hk2 - 25 * _DAY, hk2 + 10 * _DAY),
        ("HK2", "TX"): (hk2 + 14 * _DAY, last),
        ("HK2", "GK"): (hk2 + 50 * _DAY, last),
        ("HK2", "CK"): (last - 30 * _DAY, last),
        ("GK1", ""): (start + 55 * _DAY, hk2 + 10 * _DAY),
        ("CK1", ""): (hk2 - 25 * _DAY, hk2 + 20 * _DAY),
        ("GK2", ""): (hk2 + 60 * _DAY, last),
        ("CN", ""): (last - 20 * _DAY, last),
    }


def _when(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.datetime:
    day = lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))
    hour = rng.randint(7, 16) if rng.random() < 0.7 else rng.randint(19, 22)
    return dt.datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), rng.randint(0, 59))


def _old_mark(rng: random.Random, v: Decimal) -> str:
    tenths = int(v * 10)
    if v == v.quantize(_D("0.1")) and 0 < tenths < 100 and tenths % 10 and rng.random() < 0.2:
        return str(tenths)                     # the decimal point was forgotten: 85 for 8.5
    while True:
        old = v + _D(rng.choice((-3, -2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2, 3)))
        old = min(max(old, _D(0)), _D(10))
        if old != v:
            return plain(old)


def _secondary(rows: list[dict]) -> list[tuple]:
    """(subject, period, field, assessment, book value) candidates of one pupil's marks."""
    out = []
    for m in rows:
        v = m["value"] if m["value"] is not None else m["token"]
        if v is None or isinstance(v, Raw) or (m["kind"] != "TX" and m["idx"] != 1):
            continue
        field = f"TX{m['idx']}" if m["kind"] == "TX" else m["kind"]
        out.append((m["subject_code"], f"HK{m['semester']}", field, m["kind"], v))
    return out


def _primary(rows: list[dict]) -> list[tuple]:
    """(item, checkpoint, field, '', book value) candidates of one pupil's evaluations."""
    subjects = {e["item_code"] for e in rows if e["item_kind"] == "môn học"}
    out = []
    for e in rows:
        if e["item_kind"] != "môn học" and e["item_code"] in subjects:
            continue                           # a competence sharing a subject's code: ambiguous
        scale = _SUBJECT_SCALE if e["item_kind"] == "môn học" else _QC_SCALE
        if isinstance(e["level"], str):
            out.append((e["item_code"], e["checkpoint"], "level", "", (e["level"], scale)))
        if isinstance(e["test_score"], Decimal):
            out.append((e["item_code"], e["checkpoint"], "test_score", "", e["test_score"]))
    return out


def _old(rng: random.Random, field: str, v) -> tuple[str, str]:
    """(old, new) texts for an edit of a book value."""
    if field == "level":
        level, scale = v
        return rng.choice([x for x in scale if x != level]), level
    if field == "test_score":
        s = int(v)
        old = rng.choice([x for x in (s - 2, s - 1, s + 1, s + 2) if 1 <= x <= 10 and x != s])
        return str(old), plain(v)
    if isinstance(v, str):
        return ("CĐ" if v == "Đ" else "Đ"), v
    return _old_mark(rng, v), plain(v)


def edit_rows(tables: dict[str, list[dict]], cal: Calendar, rng: random.Random) -> list[dict]:
    """The grade_edits rows of one school from its finished tables."""
    sy = cal.school_year
    enrolled = sorted((e for e in tables["enrolments"] if e["status"] in (ACTIVE, IN)),
                      key=lambda e: e["pupil_code"])
    if not enrolled:
        return []
    share = rng.uniform(*SHARE)
    chosen = rng.sample(enrolled, max(1, round(share * len(enrolled))))
    codes = {e["pupil_code"] for e in chosen}
    primary = bool(tables["primary_evaluations"])
    book: dict[str, list[dict]] = {c: [] for c in codes}
    for r in tables["primary_evaluations"] if primary else tables["marks"]:
        if r["pupil_code"] in codes:
            book[r["pupil_code"]].append(r)
    teachers = {t["teacher_code"] for t in tables["teachers"] if t["position"] != "Nhân viên"}
    gvcn = {c["class_name"]: c["homeroom_teacher_code"] for c in tables["classes"]}
    taught = {(a["class_name"], a["subject_code"], a["semester"]): a["teacher_code"]
              for a in tables["teaching_assignments"]}
    windows = _windows(cal)
    counts, weights = zip(*EDITS_PER_PUPIL)
    out = []
    for e in sorted(chosen, key=lambda e: e["pupil_code"]):
        code, cls = e["pupil_code"], e["class_name"]
        cands = _primary(book[code]) if primary else _secondary(book[code])
        n = rng.choices(counts, weights)[0]
        for subject, period, field, kind, v in rng.sample(cands, min(n, len(cands))):
            lo, hi = windows[(period, kind)]
            if e["enrol_date"] and e["status"] == IN:
                lo = max(lo, e["enrol_date"] + 7 * _DAY)
            if lo > hi:
                continue
            old, new = _old(rng, field, v)
            semester = 1 if period in ("HK1", "GK1", "CK1") else 2
            by = taught.get((cls, subject, semester))     # the subject's teacher, else the GVCN
            if by not in teachers:
                by = gvcn.get(cls) if gvcn.get(cls) in teachers else "GV0001"
            out.append({
                "school_year": sy, "class_name": cls, "pupil_code": code, "subject_code": subject,
                "period": period, "field": field, "old_value": old, "new_value": new,
                "changed_at": _when(rng, lo, hi), "changed_by": by,
            })
    out.sort(key=lambda r: (r["class_name"], r["pupil_code"], r["changed_at"]))
    return out


def last_edit_times(rows: list[dict]) -> dict[tuple[str, str], dt.datetime]:
    """(school_year, pupil_code) -> the time of that pupil-year's last edit (for signing after it,
    or, for SIG_BEFORE_GRADE_CHANGE, before it)."""
    out: dict[tuple[str, str], dt.datetime] = {}
    for r in rows:
        key = (r["school_year"], r["pupil_code"])
        if key not in out or r["changed_at"] > out[key]:
            out[key] = r["changed_at"]
    return out
