"""Synthetic Hải Phòng school data (TT 22 / TT 27 consistent) with injected defects and truth.

Public API::

    Raw, SchoolData, CitySpec, SchoolPlan, plan_city, generate_school, iter_city,
    DEFECTS, DefectSpec, applicable_codes

See docs/generator.md.
"""

from __future__ import annotations

from .city_plan import CitySpec, SchoolPlan, plan_city
from .defects import DEFECTS, DefectSpec, applicable_codes
from .records import Raw, SchoolData
from .school import generate_school, iter_city

__all__ = [
    "DEFECTS", "CitySpec", "DefectSpec", "Raw", "SchoolData", "SchoolPlan", "applicable_codes",
    "generate_school", "iter_city", "plan_city",
]
