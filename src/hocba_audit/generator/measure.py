"""Scale measurements of the generator (used for the figures in docs/generator.md).

    python -m hocba_audit.generator.measure schools        # median/largest school per level
    python -m hocba_audit.generator.measure memory         # tracemalloc, largest THPT school
    python -m hocba_audit.generator.measure city [N]       # whole city of N schools (default 1000)
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import time
import tracemalloc
from collections import Counter

from .city_plan import CitySpec, SchoolPlan, plan_city
from .school import generate_school, iter_city


def _by_level(spec: CitySpec) -> dict[str, list[SchoolPlan]]:
    out: dict[str, list[SchoolPlan]] = {}
    for p in plan_city(spec):
        out.setdefault(p.level, []).append(p)
    return {k: sorted(v, key=lambda p: p.pupils) for k, v in out.items()}


def measure_schools(spec: CitySpec) -> list[dict]:
    rows = []
    for level, plans in _by_level(spec).items():
        for label, plan in (("median", plans[len(plans) // 2]), ("largest", plans[-1])):
            t = time.perf_counter()
            sd = generate_school(plan, spec)
            rows.append({
                "level": level, "school": label, "pupils": plan.pupils,
                "seconds": round(time.perf_counter() - t, 2), "marks": len(sd.tables["marks"]),
                "primary_evaluations": len(sd.tables["primary_evaluations"]),
                "truth": len(sd.truth),
            })
            del sd
            gc.collect()
    return rows


def measure_memory(spec: CitySpec, level: str = "THPT") -> dict:
    plan = _by_level(spec)[level][-1]
    tracemalloc.start()
    sd = generate_school(plan, spec)
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"level": level, "pupils": plan.pupils, "marks": len(sd.tables["marks"]),
            "held_mib": round(held / 2**20), "peak_mib": round(peak / 2**20)}


def measure_city(spec: CitySpec) -> dict:
    rows: Counter[str] = Counter()
    truth: Counter[str] = Counter()
    t = time.perf_counter()
    for sd in iter_city(spec):
        for name, table in sd.tables.items():
            rows[name] += len(table)
        truth.update(r["defect_code"] for r in sd.truth)
    return {
        "seconds": round(time.perf_counter() - t), "rows": dict(rows),
        "truth_rows": sum(truth.values()), "truth": dict(truth),
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def main(argv: list[str]) -> None:
    what = argv[0] if argv else "schools"
    n = int(argv[1]) if len(argv) > 1 else 1000
    spec = CitySpec(schools=n if what == "city" else 1000)
    result: object
    if what == "schools":
        result = measure_schools(spec)
    elif what == "memory":
        result = measure_memory(spec)
    elif what == "city":
        result = measure_city(spec)
    else:
        raise SystemExit(__doc__)
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
