"""The report charts on real reports (data_samples/ audited, every school level, and the
signing test school for the coverage chart):

- every chart's spec is valid Vega-Lite (Altair's JSON-schema validation, which ``spec_of``
  leaves out for speed) and is the spec Altair's validating ``to_dict`` gives;
- no axis or legend text is cut: the charts have no text width limits (``chart_config``:
  vl-convert measures a limited text three times, an unlimited one once), so a label never
  ends in '…', and a label longer than any today widens its chart instead.

``bench/charts.py`` times the charts step of the code before this change against the new.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata

import duckdb
import pytest

from hocba_audit.paths import project_dir

ROOT = project_dir()
@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    from hocba_audit.catalogue import load_catalogue
    from hocba_audit.report_school import build_school_report, catalogue_info, open_db
    from hocba_audit.run import load_all
    from hocba_audit.runner import run_rules

    from test_reports_signing import build_db, report_of

    db = tmp_path_factory.mktemp("charts") / "audit.duckdb"
    catalogue = load_catalogue()
    load_all(db, ROOT / "data_samples" / "exports", "r1", jobs=2)
    con = duckdb.connect(str(db))
    run_rules(con, catalogue, "r1")
    con.execute("UPDATE runs SET finished_at = now()")
    con.close()
    con = open_db(db)
    try:
        schools = [r[0] for r in con.execute("SELECT school_id FROM schools ORDER BY 1").fetchall()]
        out = [build_school_report(con, s, "r1", catalogue_info(catalogue)) for s in schools]
    finally:
        con.close()
    signing_db = build_db(tmp_path_factory.mktemp("charts-sig") / "audit.duckdb")
    return [*out, report_of(signing_db, as_of="2026-05-01")]


@pytest.fixture(scope="module")
def charts(reports):
    """(school, chart name, Altair chart, payload) of every chart of every report."""
    from hocba_audit.charts import RUNTIME, chart_payloads, school_charts

    out = []
    for report in reports:
        built = school_charts(report)
        payloads = chart_payloads(built)
        assert list(payloads) == [RUNTIME, *built], "the runtime payload first, then the charts"
        out += [(report.school_id, name, chart, payloads[name]) for name, chart in built.items()]
    return out


@pytest.mark.slow
def test_every_chart_spec_is_valid_vega_lite(charts):
    from hocba_audit.charts import VEGALITE_MIME, spec_of

    assert {name for _, name, _, _ in charts} == {"category", "completeness", "marks", "coverage"}
    for school, name, chart, payload in charts:
        validated = chart.to_dict()  # raises on a spec that does not match Vega-Lite's schema
        assert json.dumps(spec_of(chart)) == json.dumps(validated), (school, name)
        interactive = payload["bundle"][VEGALITE_MIME]
        assert interactive == {**validated, "$schema": interactive["$schema"]}, (school, name)


def _texts(svg: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]+)</text>", svg)]


@pytest.mark.slow
def test_no_chart_text_is_cut(charts):
    from hocba_audit.charts import spec_of

    for school, name, chart, payload in charts:
        config = spec_of(chart)["config"]
        assert config["axis"] == {"labelLimit": 0} and config["legend"] == {"labelLimit": 0, "titleLimit": 0}
        assert payload["bundle"]["image/svg+xml"] == payload["svg"]
        texts = _texts(payload["svg"])
        assert texts and not [t for t in texts if t.endswith("…")], (school, name)
        assert all(unicodedata.is_normalized("NFC", t) for t in texts), (school, name)


def test_a_long_label_widens_its_chart_instead_of_losing_its_end():
    from hocba_audit.charts import chart_config, completeness_chart, to_svg

    def svg_of(field: str) -> str:
        chart = completeness_chart([{"table": "x", "field": "y", "table_vi": "Bảng", "field_vi": field,
                                     "school": 0.5, "city": 0.9}])
        chart.config = chart_config()
        return to_svg(chart)

    def width(svg: str) -> float:
        return float(re.search(r'<svg[^>]*\bwidth="([0-9.]+)"', svg).group(1))

    long_field = "trường dữ liệu có một cái tên rất dài " * 3
    short, long = svg_of("Ngày sinh"), svg_of(long_field.strip())
    assert f"Bảng · {long_field.strip()}" in _texts(long)
    assert width(long) > width(short) + 200


def test_the_marks_chart_says_which_line_is_the_school():
    """The school's and the city's lines differ in colour, dash and width, and one legend says
    which is which (a ``legend=None`` on one of the three used to drop the merged legend)."""
    from hocba_audit.charts import chart_config, marks_chart, to_svg

    rows = [{"kind": k, "bin": b, "school": 0.1, "school_n": 10, "city": 0.12, "city_n": 100}
            for k in ("TX", "GK") for b in range(11)]
    chart = marks_chart(rows, "Điểm TX, GK")
    chart.config = chart_config()
    svg = to_svg(chart)
    assert svg.count("role-legend-label") >= 1
    assert {"Phạm vi", "Trường", "Thành phố (cùng cấp học)"} <= set(_texts(svg))
