"""Cross-school coordination: one person recorded as an active pupil in two neighbouring schools.

For every pair of neighbouring schools (k-1, k) whose grades allow one birth year in both, the
identity of a shared pupil is derived only from (seed, k): both schools compute it independently,
so generation stays one school at a time and independent of process count. The donor school k-1
holds the original record; school k re-created it under a new pupil code with the same personal
ID (PUPIL_DUPLICATE_ID_ACROSS_SCHOOLS). Each copy uses a reserved serial, so each school knows
the other copy's pupil code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import vn_names
from .ages import plausible_years
from .city_plan import CitySpec, SchoolPlan, plan_city
from .curriculum import GRADES
from .identifiers import (
    SHARED_COUNTER, SHARED_DONOR_SERIAL, SHARED_RECEIVER_SERIAL, id_prefix, personal_id, pupil_code,
)
from .people import birth_province, birthplace, hometown, random_date
from .seeding import rng_for


@dataclass(frozen=True)
class SharedPupil:
    donor: SchoolPlan
    receiver: SchoolPlan
    donor_grade: int
    receiver_grade: int
    sex: str
    birth_date: dt.date
    full_name: str
    father_name: str
    mother_name: str
    province: str
    personal_id: str
    birthplace: str
    hometown: str

    def code_in(self, role: str) -> str:
        plan, grade, serial = (
            (self.donor, self.donor_grade, SHARED_DONOR_SERIAL)
            if role == "donor"
            else (self.receiver, self.receiver_grade, SHARED_RECEIVER_SERIAL)
        )
        return pupil_code(self.seed, plan.index, serial, province2(plan, grade))

    seed: int = 0


def province2(plan: SchoolPlan, grade: int) -> str:
    """Prefix of a pupil code issued by this school's area: 30 (former Hải Dương) before 07/2025."""
    return "30" if plan.commune.former == "HD" and grade > 1 else "31"


def start_year(spec: CitySpec) -> int:
    return int(spec.school_year[:4])


def shared_pair(spec: CitySpec, donor: SchoolPlan, receiver: SchoolPlan) -> SharedPupil | None:
    sy = start_year(spec)
    options = []
    for gd in GRADES[donor.level]:
        lo_d, hi_d = plausible_years(donor.level, gd, sy)
        for gr in GRADES[receiver.level]:
            lo_r, hi_r = plausible_years(receiver.level, gr, sy)
            lo, hi = max(lo_d, lo_r, min(hi_d, hi_r) - 2), min(hi_d, hi_r)
            if lo <= hi:
                options.append((gd, gr, lo, hi))
    if not options:
        return None
    rng = rng_for("shared-pupil", spec.seed, receiver.index)
    gd, gr, lo, hi = rng.choice(options)
    sex = rng.choice(("Nam", "Nữ"))
    birth = random_date(rng, rng.randint(lo, hi))
    family = vn_names.surname(rng)
    name = vn_names.full_name(rng, sex, family)
    prov = birth_province(rng, donor.commune.former)
    pid = personal_id(spec.seed, donor.index, id_prefix(prov, sex, birth.year), SHARED_COUNTER)
    return SharedPupil(
        donor, receiver, gd, gr, sex, birth, name,
        vn_names.full_name(rng, "Nam", family, older=True),
        vn_names.full_name(rng, "Nữ", older=True),
        prov, pid, birthplace(rng, prov), hometown(rng), spec.seed,
    )


def shared_pupils(spec: CitySpec, plan: SchoolPlan) -> list[tuple[str, SharedPupil]]:
    """The shared pupils this school holds: ('receiver', pair k-1→k) and ('donor', pair k→k+1)."""
    if spec.defect_rate <= 0:
        return []
    plans = plan_city(spec)
    out = []
    i = plan.index
    if i >= 1:
        sp = shared_pair(spec, plans[i - 1], plan)
        if sp is not None:
            out.append(("receiver", sp))
    if i + 1 < len(plans):
        sp = shared_pair(spec, plan, plans[i + 1])
        if sp is not None:
            out.append(("donor", sp))
    return out
