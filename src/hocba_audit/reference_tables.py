"""Reference tables ``ref_*`` in DuckDB, built from ``audits/reference/*.yaml`` for rule SQL.

* ``ref_provinces``: CCCD 3-digit province codes (``code``, ``name``, ``statistical_code``,
  ``since_2025``, ``since_2025_code``);
* ``ref_ethnic_groups``: ethnic group codes 01-55 (``code``, ``name``);
* ``ref_subjects``: one row per subject × level × grade (``subject_code``, ``subject_name``,
  ``level``, ``grade``, ``periods_per_year``, ``assessment``, ``subject_group``, ``optional``,
  ``periodic_tests``);
* ``ref_primary_items``: primary qualities and competences per grade (``item_code``,
  ``item_group``, ``item_name``, ``grade``).

The rows come from ``hocba_audit.normalize`` (the same YAML the loader uses).
"""

from __future__ import annotations

from functools import lru_cache

#: Table name -> column DDL.
REFERENCE_TABLES: dict[str, str] = {
    "ref_provinces": "code VARCHAR, name VARCHAR, statistical_code VARCHAR, since_2025 VARCHAR, "
                     "since_2025_code VARCHAR",
    "ref_ethnic_groups": "code VARCHAR, name VARCHAR",
    "ref_subjects": "subject_code VARCHAR, subject_name VARCHAR, level VARCHAR, grade INTEGER, "
                    "periods_per_year INTEGER, assessment VARCHAR, subject_group VARCHAR, "
                    "optional BOOLEAN, periodic_tests VARCHAR[]",
    "ref_primary_items": "item_code VARCHAR, item_group VARCHAR, item_name VARCHAR, grade INTEGER",
}


@lru_cache(maxsize=1)
def reference_rows() -> dict[str, list[tuple]]:
    """The rows of every reference table (read once per process)."""
    from hocba_audit import normalize as n

    provinces = [(p.code, p.name, p.statistical_code, p.since_2025, p.since_2025_code)
                 for p in n.provinces()]
    ethnic = sorted(n.ethnic_groups().items())
    subjects = []
    for s in n.subjects():
        for level, ref in s.levels.items():
            for grade in ref.grades:
                subjects.append((s.code, s.name, level, grade, ref.periods.get(grade), ref.mode,
                                 ref.group, grade in ref.optional_grades,
                                 list(ref.periodic_tests.get(grade, ()))))
    items = [(i.code, i.group, i.name, g) for i in n.primary_items() for g in i.grades]
    return {"ref_provinces": provinces, "ref_ethnic_groups": ethnic,
            "ref_subjects": subjects, "ref_primary_items": items}


def create_reference_tables(con) -> None:
    """(Re)create every ``ref_*`` table on the DuckDB connection ``con``."""
    rows = reference_rows()
    for name, columns in REFERENCE_TABLES.items():
        con.execute(f"CREATE OR REPLACE TABLE {name} ({columns})").fetchall()
        data = rows[name]
        if data:
            cols = list(zip(*data))
            n = len(cols)
            types = [c.split()[1] for c in columns.split(", ")]
            select = ", ".join(f"unnest(${i + 1}::{types[i]}[])" if not types[i].endswith("[]")
                               else f"unnest(${i + 1}::{types[i]}[], max_depth := 1)"
                               for i in range(n))
            con.execute(f"INSERT INTO {name} SELECT {select}", [list(c) for c in cols]).fetchall()
