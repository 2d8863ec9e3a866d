"""Altair charts of the reports, and their offline forms: a Jupyter display bundle (interactive
Vega-Lite for JupyterLab + static SVG that nbconvert inlines) and SVG for the PDF (vl-convert).

Altair costs about 2 s to import, so this module is imported by the report renderer (once per
worker process) and by notebooks only when they are opened by hand.
"""

from __future__ import annotations

from typing import Any

import altair as alt

FONT = "DejaVu Sans"
#: JupyterLab 4 renders this mimetype interactively (it has no v6 renderer).
VEGALITE_MIME = "application/vnd.vegalite.v5+json"
_V5_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
SEVERITY_COLORS = alt.Scale(domain=["lỗi", "cảnh báo"], range=["#c0392b", "#e6a23c"])
SCOPE_COLORS = alt.Scale(domain=["Trường", "Thành phố (cùng cấp học)"], range=["#1f5fa8", "#9aa5b1"])


def to_svg(chart: alt.TopLevelMixin) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_dict(), vl_version="6.4")


def bundle(chart: alt.TopLevelMixin, svg: str | None = None, title: str = "") -> dict[str, Any]:
    """A display bundle: JupyterLab shows the interactive spec, nbconvert HTML the SVG."""
    spec = chart.to_dict()
    spec["$schema"] = _V5_SCHEMA
    return {VEGALITE_MIME: spec, "image/svg+xml": svg if svg is not None else to_svg(chart),
            "text/plain": title or "biểu đồ"}


def chart_payloads(charts: dict[str, alt.TopLevelMixin]) -> dict[str, dict[str, Any]]:
    """{name: {"svg": ..., "bundle": ...}} for every chart: what the notebook and PDF use."""
    out = {}
    for name, chart in charts.items():
        svg = to_svg(chart)
        out[name] = {"svg": svg, "bundle": bundle(chart, svg, name)}
    return out


def enable_offline_renderer() -> None:
    """Make Altair charts in a notebook display as the same two-form bundle (offline-safe)."""
    def render(spec: dict, **_: Any) -> dict[str, Any]:
        import vl_convert as vlc

        v5 = dict(spec)
        v5["$schema"] = _V5_SCHEMA
        return {VEGALITE_MIME: v5, "image/svg+xml": vlc.vegalite_to_svg(spec, vl_version="6.4"),
                "text/plain": "biểu đồ"}

    alt.renderers.register("hocba_offline", render)
    alt.renderers.enable("hocba_offline")


def _empty(title: str, text: str = "Không có dữ liệu") -> alt.Chart:
    return alt.Chart(alt.Data(values=[{"t": text}])).mark_text(size=14, color="#666").encode(
        text="t:N").properties(title=title, width=420, height=60)


def category_chart(rows: list[dict]) -> alt.Chart:
    title = "Số bản ghi không đạt theo nhóm quy tắc và mức độ"
    data = [r for r in rows if r["records"]]
    if not data:
        return _empty(title, "Không có bản ghi nào không đạt")
    return alt.Chart(alt.Data(values=data)).mark_bar().encode(
        y=alt.Y("category:N", title="Nhóm quy tắc", sort="-x"),
        x=alt.X("records:Q", title="Số bản ghi không đạt", stack=True),
        color=alt.Color("severity:N", title="Mức độ", scale=SEVERITY_COLORS),
        tooltip=[alt.Tooltip("category:N", title="Nhóm"), alt.Tooltip("severity:N", title="Mức độ"),
                 alt.Tooltip("records:Q", title="Bản ghi"), alt.Tooltip("rules_failed:Q", title="Quy tắc")],
    ).properties(title=title, width=420, height=alt.Step(26))


def completeness_chart(rows: list[dict], limit: int = 30) -> alt.Chart:
    """Heatmap of the fields that are not fully filled, school against the city."""
    title = alt.TitleParams("Mức độ đầy đủ dữ liệu theo bảng và trường dữ liệu",
                            subtitle="Chỉ các trường dữ liệu chưa đủ 100 %")
    gaps = [r for r in rows if r["school"] < 0.995 or (r["city"] is not None and r["city"] < 0.995)]
    gaps.sort(key=lambda r: (r["school"], r["table"], r["field"]))
    gaps = gaps[:limit]
    if not gaps:
        return _empty(title, "Mọi trường dữ liệu đều đầy đủ")
    values = []
    for r in gaps:
        label = f"{r['table']}.{r['field']}"
        values.append({"field": label, "scope": "Trường", "rate": r["school"]})
        if r["city"] is not None:
            values.append({"field": label, "scope": "Thành phố (cùng cấp học)", "rate": r["city"]})
    base = alt.Chart(alt.Data(values=values)).encode(
        x=alt.X("scope:N", title=None, sort=["Trường", "Thành phố (cùng cấp học)"],
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("field:N", title="Bảng.trường dữ liệu", sort=[f"{r['table']}.{r['field']}" for r in gaps]),
    )
    rect = base.mark_rect().encode(
        color=alt.Color("rate:Q", title="Tỉ lệ có dữ liệu", scale=alt.Scale(domain=[0, 1], scheme="redyellowgreen")),
        tooltip=[alt.Tooltip("field:N", title="Trường dữ liệu"), alt.Tooltip("scope:N", title="Phạm vi"),
                 alt.Tooltip("rate:Q", title="Tỉ lệ", format=".1%")])
    text = base.mark_text(fontSize=10).encode(text=alt.Text("rate:Q", format=".0%"))
    return (rect + text).properties(title=title, width=260, height=alt.Step(16))


def marks_chart(rows: list[dict], source: str) -> alt.Chart:
    title = alt.TitleParams("Phổ điểm của trường so với thành phố", subtitle=source)
    if not rows:
        return _empty(title, "Không có điểm số")
    values = []
    for r in rows:
        values.append({"kind": r["kind"], "bin": r["bin"], "scope": "Trường", "share": r["school"], "n": r["school_n"]})
        values.append({"kind": r["kind"], "bin": r["bin"], "scope": "Thành phố (cùng cấp học)",
                       "share": r["city"], "n": r["city_n"]})
    return alt.Chart(alt.Data(values=values)).mark_line(point=True).encode(
        x=alt.X("bin:O", title="Điểm (làm tròn xuống)", axis=alt.Axis(labelAngle=0)),
        strokeDash=alt.StrokeDash("scope:N", title="Phạm vi", scale=alt.Scale(
            domain=["Trường", "Thành phố (cùng cấp học)"], range=[[1, 0], [5, 3]])),
        strokeWidth=alt.StrokeWidth("scope:N", legend=None, scale=alt.Scale(
            domain=["Trường", "Thành phố (cùng cấp học)"], range=[3, 1.5])),
        y=alt.Y("share:Q", title="Tỉ lệ trong tổng số điểm cùng loại", axis=alt.Axis(format="%")),
        color=alt.Color("scope:N", title="Phạm vi", scale=SCOPE_COLORS),
        column=alt.Column("kind:N", title="Loại điểm"),
        tooltip=[alt.Tooltip("scope:N", title="Phạm vi"), alt.Tooltip("bin:O", title="Điểm"),
                 alt.Tooltip("share:Q", title="Tỉ lệ", format=".1%"), alt.Tooltip("n:Q", title="Tổng số điểm")],
    ).properties(title=title, width=170, height=150)


def school_charts(report: Any) -> dict[str, alt.TopLevelMixin]:
    """The per-school report's charts (``report`` is a ``report_school.SchoolReport``)."""
    charts = {
        "category": category_chart(report.by_category),
        "completeness": completeness_chart(report.completeness),
        "marks": marks_chart(report.marks, report.marks_source),
    }
    # one font for measuring (vl-convert) and drawing (WeasyPrint, browsers): no clipped labels
    return {k: c.configure(font=FONT) for k, c in charts.items()}
