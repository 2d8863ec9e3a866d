"""Export the column-level rules as Great Expectations 1.x expectation suites (JSON files).

A rule with a ``gx`` block (``expectation`` + ``kwargs``, see ``docs/rules-format.md``) is
expressible as one GX expectation on its entity table whose ``unexpected_count`` equals the
rule's failing count. ``gx_suites`` groups them into one suite per table; ``export_gx_suites``
writes ``<out>/hocba_<table>.json``. Writing needs no GX; ``suite_from_json`` (for tests and
benchmarks) imports GX lazily, so GX (≈ 5-8 s to import) stays out of the package's import path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hocba_audit.rules import Rule

#: The GX version whose suite JSON layout is written.
GX_FORMAT_VERSION = "1.24.1"


def gx_suites(rules: Iterable[Rule]) -> dict[str, dict[str, Any]]:
    """Table name -> GX 1.x suite dict (``name``, ``expectations``, ``meta``) for rules with gx."""
    suites: dict[str, dict[str, Any]] = {}
    for rule in rules:
        if rule.gx is None:
            continue
        suite = suites.setdefault(rule.entity, {
            "name": f"hocba_{rule.entity}",
            "id": None,
            "expectations": [],
            "meta": {"great_expectations_version": GX_FORMAT_VERSION,
                     "generated_by": "hocba-audit rules export-gx", "table": rule.entity},
            "notes": f"Column-level rules of hocba-audit on table '{rule.entity}'.",
        })
        suite["expectations"].append({
            "type": rule.gx.type,
            "kwargs": rule.gx.kwargs_dict,
            "meta": {"rule_code": rule.code, "title_vi": rule.title_vi,
                     "title_en": rule.title_en, "severity_vi": rule.severity},
            "severity": "critical" if rule.severity == "lỗi" else "warning",
        })
    return suites


def export_gx_suites(rules: Iterable[Rule], out_dir: str | Path) -> list[Path]:
    """Write one ``hocba_<table>.json`` suite per table into ``out_dir``; returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for table, suite in sorted(gx_suites(rules).items()):
        path = out / f"hocba_{table}.json"
        path.write_text(json.dumps(suite, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def suite_from_json(data: dict[str, Any] | str | Path):
    """A ``great_expectations.ExpectationSuite`` from an exported suite (dict, JSON text or file).

    Imports GX: call it from tests and benchmarks, not from the audit's import path.
    """
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    if isinstance(data, Path) or (isinstance(data, str) and not data.lstrip().startswith("{")):
        data = json.loads(Path(data).read_text(encoding="utf-8"))
    elif isinstance(data, str):
        data = json.loads(data)
    suite = gx.ExpectationSuite(name=data["name"], meta=data.get("meta") or {},
                                notes=data.get("notes"))
    for e in data["expectations"]:
        suite.add_expectation_configuration(ExpectationConfiguration(
            type=e["type"], kwargs=e["kwargs"], meta=e.get("meta") or {},
            severity=e.get("severity", "critical"),
        ))
    return suite
