"""Pupils and their enrolments (one class per pupil in the school year)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from . import vn_names
from .ages import draw_birth_year
from .city_plan import SchoolPlan
from .cross_school import SharedPupil, province2
from .identifiers import PUPIL_COUNTERS, IdAllocator, pupil_code
from .people import address, birth_province, birthplace, hometown, random_date
from .places import ETHNIC_WEIGHTS
from .structure import ClassInfo

ACTIVE, IN, OUT, DROPPED = "Đang học", "Chuyển đến", "Chuyển đi", "Thôi học"
_ETH_CODES = tuple(c for c, _ in ETHNIC_WEIGHTS)
_ETH_WEIGHTS = tuple(w for _, w in ETHNIC_WEIGHTS)


@dataclass(frozen=True, slots=True)
class Calendar:
    school_year: str
    start: dt.date
    hk2_start: dt.date
    end: dt.date

    @classmethod
    def of(cls, school_year: str) -> Calendar:
        y = int(school_year[:4])
        return cls(school_year, dt.date(y, 9, 5), dt.date(y + 1, 1, 12), dt.date(y + 1, 5, 31))


@dataclass(slots=True)
class PupilRec:
    serial: int
    pupil_code: str
    personal_id: object
    full_name: object
    birth_date: object
    sex: object
    ethnicity_code: object
    birthplace: str
    hometown: str
    address: str
    father_name: str | None
    mother_name: str | None
    guardian_name: str | None
    status: str
    class_name: str
    grade: int
    enrol_date: dt.date
    transfer_out_date: dt.date | None
    province: str
    role: str = ""  # 'donor'/'receiver' (cross-school copy) or ''
    touched: bool = False

    @property
    def departed(self) -> bool:
        return self.status in (OUT, DROPPED)


def name_key(name: str, birth: object, sex: object) -> tuple:
    return (vn_names.old_style_tone(name).lower(), birth, sex)


def _from_shared(sp: SharedPupil, role: str, c: ClassInfo, cal: Calendar, home) -> PupilRec:
    rng = random.Random(sp.personal_id + role)
    return PupilRec(
        -1, sp.code_in(role), sp.personal_id, sp.full_name, sp.birth_date, sp.sex, "01",
        sp.birthplace, sp.hometown, address(rng, home), sp.father_name, sp.mother_name, None,
        ACTIVE, c.name, c.grade, cal.start, None, sp.province, role=role, touched=True,
    )


def make_pupils(plan: SchoolPlan, classes: list[ClassInfo], cal: Calendar, seed: int,
                ids: IdAllocator, rng: random.Random,
                shared: list[tuple[str, SharedPupil]]) -> list[PupilRec]:
    start_year = cal.start.year
    former = plan.commune.former
    registry: set[tuple] = set()
    placed: dict[str, list[tuple[int, str, SharedPupil]]] = {}
    for role, sp in shared:
        grade = sp.donor_grade if role == "donor" else sp.receiver_grade
        c = next(c for c in classes if c.grade == grade)
        placed.setdefault(c.name, []).append((rng.randrange(c.size), role, sp))
        registry.add(name_key(sp.full_name, sp.birth_date, sp.sex))
    pupils: list[PupilRec] = []
    serial = 0
    for c in classes:
        slots = {slot: (role, sp) for slot, role, sp in placed.get(c.name, [])}
        for slot in range(c.size):
            if slot in slots:
                role, sp = slots[slot]
                pupils.append(_from_shared(sp, role, c, cal, plan.commune))
                continue
            sex = "Nam" if rng.random() < 0.515 else "Nữ"
            birth = random_date(rng, draw_birth_year(rng, plan.level, c.grade, start_year))
            family = vn_names.surname(rng)
            for _ in range(100):
                name = vn_names.full_name(rng, sex, family)
                key = name_key(name, birth, sex)
                if key not in registry:
                    break
            registry.add(key)
            prov = birth_province(rng, former)
            pid = ids.for_person(prov, sex, birth, PUPIL_COUNTERS)
            p2 = province2(plan, c.grade)
            if rng.random() < 0.03:
                p2 = "30" if p2 == "31" else "31"
            father = None
            if rng.random() > 0.03:
                father = vn_names.full_name(rng, "Nam", family, older=True)
            mother = vn_names.full_name(rng, "Nữ", older=True)
            guardian = None
            if rng.random() < 0.01:
                guardian = vn_names.full_name(rng, rng.choice(("Nam", "Nữ")), older=True)
            eth = rng.choices(_ETH_CODES, _ETH_WEIGHTS)[0]
            pupils.append(PupilRec(
                serial, pupil_code(seed, plan.index, serial, p2), pid, name, birth, sex, eth,
                birthplace(rng, prov), hometown(rng), address(rng, plan.commune), father, mother,
                guardian, ACTIVE, c.name, c.grade, cal.start, None, prov,
            ))
            serial += 1
    _statuses(pupils, plan.level, cal, rng)
    return pupils


def _statuses(pupils: list[PupilRec], level: str, cal: Calendar, rng: random.Random) -> None:
    out_p, drop_p, in_p = (0.01, 0.05, 0.02) if level == "GDTX" else (0.012, 0.004, 0.025)
    departed = 0
    for p in pupils:
        if p.role:
            continue
        r = rng.random()
        if r < out_p + drop_p:
            p.status = OUT if r < out_p else DROPPED
            p.transfer_out_date = cal.hk2_start + dt.timedelta(days=rng.randint(7, 45))
            departed += 1
        elif r < out_p + drop_p + in_p:
            p.status = IN
            p.enrol_date = cal.start + dt.timedelta(days=rng.randint(15, 100))
    if departed == 0 and len(pupils) >= 8:
        # every school has at least one pupil who left during semester II
        p = next(p for p in reversed(pupils) if not p.role)
        p.status = OUT
        p.transfer_out_date = cal.hk2_start + dt.timedelta(days=rng.randint(7, 45))
