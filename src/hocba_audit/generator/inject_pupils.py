"""Defects on pupil and teacher records: identity, dates, names, encodings (families 'pupil',
'encoding' (pupil part) and 'teacher')."""

from __future__ import annotations

import datetime as dt

from .ages import implausible_year
from .defects import MOJIBAKE_CODES, family_codes
from .identifiers import DEFECT_COUNTERS, PUPIL_COUNTERS, IdAllocator, century_sex_digit, id_prefix
from .injector import Injector
from .pupils import PupilRec
from .records import Raw
from .structure import Teacher
from .vn_names import old_style_tone


def mojibake_converters() -> dict[str, object]:
    """The TCVN3/VNI converters of ``hocba_audit.normalize``, or {} while it is not available."""
    try:
        from hocba_audit.normalize import unicode_to_tcvn3, unicode_to_vni
    except ImportError:
        try:
            from hocba_audit.normalize.tcvn3 import unicode_to_tcvn3
            from hocba_audit.normalize.vni import unicode_to_vni
        except ImportError:
            return {}
    return {"NAME_MOJIBAKE_TCVN3": unicode_to_tcvn3, "NAME_MOJIBAKE_VNI": unicode_to_vni}


def _swap_date(d: dt.date, year: int) -> dt.date:
    try:
        return d.replace(year=year)
    except ValueError:  # 29 February
        return d.replace(year=year, day=28)


class PupilDefects:
    def __init__(self, inj: Injector, pupils: list[PupilRec], ids: IdAllocator, level: str,
                 start_year: int):
        self.inj, self.pupils, self.ids = inj, pupils, ids
        self.level, self.start_year = level, start_year
        self.conv = mojibake_converters()

    # -- helpers ------------------------------------------------------------------------
    def _clean(self, p: PupilRec) -> bool:
        return not p.touched and isinstance(p.personal_id, str)

    def _partner(self, p: PupilRec, same) -> PupilRec | None:
        cands = [q for q in self.pupils if q is not p and self._clean(q) and same(q)]
        return self.inj.rng.choice(cands) if cands else None

    def _rec(self, p: PupilRec, field: str, code: str, detail: str) -> None:
        self.inj.record("pupils", p.pupil_code, field, code, detail)

    # -- family 'pupil' -------------------------------------------------------------------
    def pupil_codes(self, p: PupilRec) -> list[str]:
        if not self._clean(p):
            return []
        out = [
            "PUPIL_MISSING_PERSONAL_ID", "PUPIL_ID_WRONG_LENGTH", "PUPIL_ID_SEX_DIGIT_MISMATCH",
            "PUPIL_ID_YEAR_MISMATCH", "PUPIL_DUPLICATE_ID_IN_SCHOOL", "PUPIL_MISSING_BIRTH_DATE",
            "PUPIL_AGE_IMPLAUSIBLE_FOR_GRADE", "PUPIL_MISSING_SEX", "PUPIL_UNKNOWN_ETHNICITY",
            "NAME_DUPLICATE_PUPIL",
        ]
        if p.birth_date.day > 12:
            out.append("PUPIL_BIRTH_DATE_DAY_MONTH_SWAPPED")
        return out

    def apply_pupil(self, p: PupilRec, code: str) -> bool:
        rng, pid = self.inj.rng, p.personal_id
        if code == "PUPIL_MISSING_PERSONAL_ID":
            p.personal_id = None
            self._rec(p, "personal_id", code, f"was {pid}")
        elif code == "PUPIL_ID_WRONG_LENGTH":
            if rng.random() < 0.5:
                k = rng.randrange(3, 12)
                p.personal_id = pid[:k] + pid[k] + pid[k:]
            else:
                p.personal_id = pid[:10]
            self._rec(p, "personal_id", code, f"{len(p.personal_id)} digits, was {pid}")
        elif code == "PUPIL_ID_SEX_DIGIT_MISMATCH":
            g = century_sex_digit(p.sex, p.birth_date.year) ^ 1
            prefix = f"{p.province}{g}{p.birth_date.year % 100:02d}"
            p.personal_id = self.ids.new(prefix, DEFECT_COUNTERS)
            self._rec(p, "personal_id", code, f"digit 4 = {g} for sex {p.sex}")
        elif code == "PUPIL_ID_YEAR_MISMATCH":
            y = p.birth_date.year
            deltas = [d for d in (-2, -1, 1, 2) if (y + d) // 100 == y // 100]
            wrong = y + rng.choice(deltas)
            p.personal_id = self.ids.new(id_prefix(p.province, p.sex, wrong), DEFECT_COUNTERS)
            self._rec(p, "personal_id", code, f"year digits {wrong % 100:02d}, born {y}")
        elif code == "PUPIL_DUPLICATE_ID_IN_SCHOOL":
            year = p.birth_date.year
            a = self._partner(p, lambda q: q.sex == p.sex and q.birth_date.year == year)
            if a is None:
                return False
            p.personal_id = a.personal_id
            a.touched = True
            self._rec(p, "personal_id", code, f"same personal_id as pupil {a.pupil_code}")
            self._rec(a, "personal_id", code, f"same personal_id as pupil {p.pupil_code}")
        elif code == "PUPIL_MISSING_BIRTH_DATE":
            self._rec(p, "birth_date", code, f"was {p.birth_date.isoformat()}")
            p.birth_date = None
        elif code == "PUPIL_BIRTH_DATE_DAY_MONTH_SWAPPED":
            d = p.birth_date
            p.birth_date = Raw(f"{d.month:02d}/{d.day:02d}/{d.year}")
            self._rec(p, "birth_date", code, f"written {p.birth_date.text} for {d.isoformat()}")
        elif code == "PUPIL_AGE_IMPLAUSIBLE_FOR_GRADE":
            year = implausible_year(rng, self.level, p.grade, self.start_year)
            old = p.birth_date
            p.birth_date = _swap_date(old, year)
            p.personal_id = self.ids.new(id_prefix(p.province, p.sex, year), DEFECT_COUNTERS)
            self._rec(p, "birth_date", code, f"born {year} in grade {p.grade} (was {old.year})")
        elif code == "PUPIL_MISSING_SEX":
            self._rec(p, "sex", code, f"was {p.sex}")
            p.sex = None
        elif code == "PUPIL_UNKNOWN_ETHNICITY":
            p.ethnicity_code = rng.choice(("00", "56", "60", "99"))
            self._rec(p, "ethnicity_code", code, f"code {p.ethnicity_code}")
        elif code == "NAME_DUPLICATE_PUPIL":
            a = self._partner(p, lambda q: q.grade == p.grade)
            if a is None:
                return False
            name = old_style_tone(a.full_name) if rng.random() < 0.5 else a.full_name
            p.full_name, p.birth_date, p.sex = name, a.birth_date, a.sex
            p.father_name, p.mother_name, p.province = a.father_name, a.mother_name, a.province
            p.birthplace, p.hometown, p.ethnicity_code = a.birthplace, a.hometown, a.ethnicity_code
            p.personal_id = self.ids.for_person(a.province, a.sex, a.birth_date, PUPIL_COUNTERS)
            a.touched = True
            self._rec(p, "full_name", code, f"same person as pupil {a.pupil_code}")
            self._rec(a, "full_name", code, f"same person as pupil {p.pupil_code}")
        else:
            raise ValueError(code)
        p.touched = True
        return True

    # -- family 'encoding' (pupil part) ---------------------------------------------------
    def encoding_codes(self, p: PupilRec) -> list[str]:
        if not self._clean(p):
            return []
        out = ["PUPIL_ID_LEADING_ZERO_LOST"] if p.personal_id.startswith("0") else []
        if not p.full_name.isascii():
            out += [c for c in sorted(MOJIBAKE_CODES) if c in self.conv]
        return out

    def apply_encoding(self, p: PupilRec, code: str) -> bool:
        if code == "PUPIL_ID_LEADING_ZERO_LOST":
            p.personal_id = Raw(p.personal_id[1:])
            self._rec(p, "personal_id", code, f"written {p.personal_id.text}")
        else:
            text = self.conv[code](p.full_name)
            if text == p.full_name:
                return False
            self._rec(p, "full_name", code, f"{p.full_name} written as {text}")
            p.full_name = Raw(text)
        p.touched = True
        return True

    def run(self) -> None:
        inj, lvl = self.inj, self.level
        inj.run_family(family_codes("pupil", lvl), self.pupils, self.pupil_codes, self.apply_pupil)
        enc = [c for c in family_codes("encoding", lvl)
               if c not in MOJIBAKE_CODES or c in self.conv]
        inj.run_family([c for c in enc if c != "MARK_DECIMAL_COMMA"], self.pupils,
                       self.encoding_codes, self.apply_encoding)


def inject_teachers(inj: Injector, teachers: list[Teacher]) -> None:
    def apply(t: Teacher, code: str) -> bool:
        if t.personal_id is None:
            return False
        inj.record("teachers", t.code, "personal_id", code, f"was {t.personal_id}")
        t.personal_id = None
        return True

    inj.run_family(family_codes("teacher", inj.level), teachers,
                   lambda t: ["TEACHER_MISSING_PERSONAL_ID"] if t.personal_id else [], apply)
