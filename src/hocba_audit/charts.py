"""Altair charts of the reports, and their offline forms: a Jupyter display bundle (interactive
Vega-Lite for JupyterLab + static SVG) and SVG for the PDF (vl-convert).

Interactive HTML without network: ``chart_payloads(..., html=True)`` adds to each bundle an
``application/javascript`` part that nbconvert's HTML export prefers (JupyterLab prefers the
Vega-Lite part: its Vega renderer ranks 57, JavaScript 110). The script first shows the static
SVG, then replaces it with a Vega view (tooltips) once ``window.vegaEmbed`` exists. The Vega,
Vega-Lite and vega-embed libraries come from vl-convert's self-contained bundle
(``vl_convert.javascript_bundle``), shown once per notebook by the ``RUNTIME`` payload, never
fetched.

Altair costs about 2 s to import, so this module is imported by the report renderer (once per
worker process) and by notebooks only when they are opened by hand.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import altair as alt
from altair.utils.schemapi import debug_mode

FONT = "DejaVu Sans"
#: JupyterLab 4 renders this mimetype interactively (it has no v6 renderer).
VEGALITE_MIME = "application/vnd.vegalite.v5+json"
_V5_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
VL_VERSION = "6.4"
#: Name of the payload that carries the Vega runtime (shown once, before the first chart).
RUNTIME = "__vega_runtime__"
#: Vietnamese number format (d3-format locale): decimal comma, '.' for thousands, '42,9 %'
#: like the report tables; used by the SVG (vl-convert) and the live views alike.
VI_LOCALE = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " ₫"], "percent": " %"}
#: Vega-embed options: SVG renderer, no action menu (its editor link would go online).
EMBED_OPTIONS = {"renderer": "svg", "actions": False, "formatLocale": VI_LOCALE}
SEVERITY_COLORS = alt.Scale(domain=["lỗi", "cảnh báo"], range=["#c0392b", "#e6a23c"])
SCOPE_COLORS = alt.Scale(domain=["Trường", "Thành phố (cùng cấp học)"], range=["#1f5fa8", "#9aa5b1"])


def spec_of(chart: alt.TopLevelMixin | dict[str, Any]) -> dict[str, Any]:
    """The chart's Vega-Lite spec, without Altair's JSON-schema validation (about two thirds of
    ``to_dict``'s cost; ``tests/test_charts_specs.py`` validates every chart of real
    reports instead). A chart converted to several forms is converted once and its spec passed
    on (``to_svg``, ``bundle`` take either)."""
    return chart if isinstance(chart, dict) else chart.to_dict(validate=False)


def to_svg(chart: alt.TopLevelMixin | dict[str, Any]) -> str:
    """SVG through vl-convert, numbers in ``VI_LOCALE``: the spec's own ``config.locale`` (what
    ``school_charts`` sets), else vl-convert's ``format_locale`` (~25 ms more per chart)."""
    import vl_convert as vlc

    spec = spec_of(chart)
    if "locale" in (spec.get("config") or {}):
        return vlc.vegalite_to_svg(spec, vl_version=VL_VERSION)
    return vlc.vegalite_to_svg(spec, vl_version=VL_VERSION, format_locale=VI_LOCALE)


def _script_json(value: Any) -> str:
    """JSON safe inside an inline <script>: no '</' or '<!--' can end or open anything."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")


def embed_js(spec: dict[str, Any], svg: str) -> str:
    """The HTML export's script of one chart: static SVG at once, a Vega view when available.

    nbconvert binds ``element`` to the output's div; JupyterLab never picks this part."""
    return ("(function () {\n"
            "  var host = (typeof element !== 'undefined' && element) ? (element.jquery ? element[0] : element)\n"
            "             : document.currentScript.parentNode;\n"
            "  var fallback = document.createElement('div');\n"
            "  fallback.className = 'hocba-chart-static';\n"
            f"  fallback.innerHTML = {_script_json(svg)};\n"
            "  host.appendChild(fallback);\n"
            f"  var spec = {_script_json(spec)};\n"
            "  function draw() {\n"
            "    if (!window.vegaEmbed) return;\n"
            "    var view = document.createElement('div');\n"
            "    view.className = 'hocba-chart';\n"
            "    host.appendChild(view);\n"
            f"    window.vegaEmbed(view, spec, {_script_json(EMBED_OPTIONS)}).then(function () {{\n"
            "      fallback.remove();\n"
            "    }).catch(function (e) { view.remove(); console.error(e); });\n"
            "  }\n"
            "  if (window.vegaEmbed) draw(); else window.addEventListener('load', draw);\n"
            "})();\n")


@lru_cache(maxsize=1)
def runtime_js() -> str:
    """vega, vega-lite and vega-embed as one classic script (vl-convert's bundle, ~0.9 MB,
    built in ~2.5 s once per process), wrapped so its top-level names stay private; it sets
    ``window.vegaEmbed``."""
    import vl_convert as vlc

    code = vlc.javascript_bundle(vl_version=VL_VERSION)
    code = code.replace("</script", "<\\/script").replace("<!--", "<\\!--")
    return "(function () {\n" + code + "\n}).call(window);\n"


def bundle(chart: alt.TopLevelMixin | dict[str, Any], svg: str | None = None, title: str = "",
           html: bool = False) -> dict[str, Any]:
    """A display bundle: JupyterLab shows the interactive spec; nbconvert's HTML shows the SVG,
    or (``html``) runs the embed script (interactive, SVG fallback). ``chart`` is an Altair
    chart or its spec (``spec_of``)."""
    raw = spec_of(chart)
    svg = svg if svg is not None else to_svg(raw)
    spec = dict(raw)
    spec["$schema"] = _V5_SCHEMA
    out = {VEGALITE_MIME: spec, "image/svg+xml": svg, "text/plain": title or "biểu đồ"}
    if html:
        out["application/javascript"] = embed_js(raw, svg)
    return out


def runtime_payload() -> dict[str, Any]:
    """The payload that loads the Vega runtime in the HTML export (nothing shows in JupyterLab:
    its text/plain part is empty and JavaScript of an untrusted notebook does not run)."""
    return {"svg": "", "bundle": {"application/javascript": runtime_js(), "text/plain": ""}}


def chart_payloads(charts: dict[str, alt.TopLevelMixin], html: bool = True) -> dict[str, dict[str, Any]]:
    """{name: {"svg": ..., "bundle": ...}} for every chart: what the notebook and PDF use.

    With ``html`` (what the renderer uses) each bundle is interactive in the HTML export too, and
    the ``RUNTIME`` payload comes first; ``show_chart`` displays it once, before the first chart."""
    out = {RUNTIME: runtime_payload()} if html and charts else {}
    for name, chart in charts.items():
        spec = spec_of(chart)  # validated once, not once per form
        svg = to_svg(spec)
        out[name] = {"svg": svg, "bundle": bundle(spec, svg, name, html=html)}
    return out


def enable_offline_renderer(html: bool = True) -> None:
    """Make Altair charts in a notebook display as the same two-form bundle (offline-safe).

    With ``html`` the HTML export is interactive too: the first chart's script carries the Vega
    runtime (once per notebook), every chart its embed script with the SVG fallback."""
    state = {"runtime": html}

    def render(spec: dict, **_: Any) -> dict[str, Any]:
        spec = dict(spec)
        # measured = drawn font; the Vietnamese number format in the spec itself, so that
        # JupyterLab's Vega-Lite view (which gets only the spec) writes '7,82' and '24 %' too
        spec["config"] = {"font": FONT, "locale": {"number": VI_LOCALE}, **(spec.get("config") or {})}
        svg = to_svg(spec)
        v5 = dict(spec)
        v5["$schema"] = _V5_SCHEMA
        out = {VEGALITE_MIME: v5, "image/svg+xml": svg, "text/plain": "biểu đồ"}
        if html:
            out["application/javascript"] = (runtime_js() if state.pop("runtime", False) else "") + embed_js(spec, svg)
        return out

    alt.renderers.register("hocba_offline", render)
    alt.renderers.enable("hocba_offline")


def _empty(title: str, text: str = "Không có dữ liệu") -> alt.Chart:
    return alt.Chart(alt.Data(values=[{"t": text}]), title=title, width=420, height=60).mark_text(
        size=14, color="#666").encode(text="t:N")


def category_chart(rows: list[dict]) -> alt.Chart:
    title = "Số bản ghi không đạt theo nhóm quy tắc và mức độ"
    data = [r for r in rows if r["records"]]
    if not data:
        return _empty(title, "Không có bản ghi nào không đạt")
    return alt.Chart(alt.Data(values=data), title=title, width=420, height=alt.Step(26)).mark_bar().encode(
        y=alt.Y("category:N", title="Nhóm quy tắc", sort="-x"),
        x=alt.X("records:Q", title="Số bản ghi không đạt", stack=True),
        color=alt.Color("severity:N", title="Mức độ", scale=SEVERITY_COLORS),
        tooltip=[alt.Tooltip("category:N", title="Nhóm"), alt.Tooltip("severity:N", title="Mức độ"),
                 alt.Tooltip("records:Q", title="Bản ghi"), alt.Tooltip("rules_failed:Q", title="Quy tắc")],
    )


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
        label = _field_text(r)
        for scope, rate in (("Trường", r["school"]), ("Thành phố (cùng cấp học)", r["city"])):
            if rate is not None:
                values.append({"field": label, "table_vi": r.get("table_vi") or r["table"],
                               "field_vi": r.get("field_vi") or r["field"], "scope": scope, "rate": round(rate, 4)})
    base = alt.Chart().encode(  # the data goes on the layer chart: not copied into each layer
        x=alt.X("scope:N", title="Phạm vi", sort=["Trường", "Thành phố (cùng cấp học)"],
                axis=alt.Axis(labelAngle=0, title=None)),
        y=alt.Y("field:N", title="Bảng · trường dữ liệu", sort=[_field_text(r) for r in gaps],
                axis=alt.Axis(title=None)),
    )
    rect = base.mark_rect().encode(
        color=alt.Color("rate:Q", title="Tỉ lệ có dữ liệu", scale=alt.Scale(domain=[0, 1], scheme="redyellowgreen")),
        tooltip=[alt.Tooltip("table_vi:N", title="Bảng"), alt.Tooltip("field_vi:N", title="Trường dữ liệu"),
                 alt.Tooltip("scope:N", title="Phạm vi"), alt.Tooltip("rate:Q", title="Tỉ lệ có dữ liệu", format=".1%")])
    text = base.mark_text(fontSize=10).encode(text=alt.Text("rate:Q", format=".0%"))
    return alt.layer(rect, text, data=alt.Data(values=values), title=title, width=260, height=alt.Step(16))


def _field_text(r: dict) -> str:
    return f"{r.get('table_vi') or r['table']} · {r.get('field_vi') or r['field']}"


def coverage_chart(coverage: list[dict]) -> alt.Chart:
    """Heatmap class × role: share of enrolled pupils with a valid signature of the role, and
    the complete valid set (``report_school.signing_coverage`` rows)."""
    title = alt.TitleParams("Độ phủ chữ ký số theo lớp và vai trò",
                            subtitle="Tỉ lệ học sinh đang theo học có chữ ký hợp lệ")
    if not coverage:
        return _empty(title, "Chưa có dữ liệu chữ ký")
    roles = (("GVCN", "Giáo viên chủ nhiệm"), ("HT", "Hiệu trưởng"), ("DonVi", "Con dấu của trường"),
             ("complete", "Đủ bộ chữ ký hợp lệ"))
    multi_year = len({c["school_year"] for c in coverage}) > 1
    values, order = [], []
    for c in coverage:
        label = f"{c['class_name']} ({c['school_year']})" if multi_year else c["class_name"]
        order.append(label)
        for key, role in roles:
            n = c["enrolled"]
            values.append({"class": label, "role": role, "signed": c[key], "enrolled": n,
                           "rate": round(c[key] / n, 4) if n else 0.0, "text": f"{c[key]}/{n}"})
    base = alt.Chart().encode(
        x=alt.X("role:N", title="Vai trò", sort=[r for _, r in roles],
                axis=alt.Axis(labelAngle=0, title=None)),
        y=alt.Y("class:N", title="Lớp", sort=order),
    )
    rect = base.mark_rect().encode(
        color=alt.Color("rate:Q", title="Tỉ lệ", scale=alt.Scale(domain=[0, 1], scheme="redyellowgreen")),
        tooltip=[alt.Tooltip("class:N", title="Lớp"), alt.Tooltip("role:N", title="Vai trò"),
                 alt.Tooltip("signed:Q", title="Có chữ ký hợp lệ"), alt.Tooltip("enrolled:Q", title="Số học sinh"),
                 alt.Tooltip("rate:Q", title="Tỉ lệ", format=".1%")])
    text = base.mark_text(fontSize=10).encode(text="text:N")
    return alt.layer(rect, text, data=alt.Data(values=values), title=title, width=440, height=alt.Step(18))


def marks_chart(rows: list[dict], source: str) -> alt.Chart:
    title = alt.TitleParams("Phổ điểm của trường so với thành phố", subtitle=source)
    if not rows:
        return _empty(title, "Không có điểm số")
    values = []
    for r in rows:
        values.append({"kind": r["kind"], "bin": r["bin"], "scope": "Trường", "share": round(r["school"], 4),
                       "n": r["school_n"]})
        values.append({"kind": r["kind"], "bin": r["bin"], "scope": "Thành phố (cùng cấp học)",
                       "share": round(r["city"], 4), "n": r["city_n"]})
    chart = alt.Chart(alt.Data(values=values), title=title, width=170, height=150)
    return chart.mark_line(point=True).encode(
        x=alt.X("bin:O", title="Điểm (làm tròn xuống)", axis=alt.Axis(labelAngle=0)),
        # one legend for colour, dash and width (same field and title: Vega-Lite merges them;
        # legend=None on any one of them would drop the merged legend)
        strokeDash=alt.StrokeDash("scope:N", title="Phạm vi", scale=alt.Scale(
            domain=["Trường", "Thành phố (cùng cấp học)"], range=[[1, 0], [5, 3]])),
        strokeWidth=alt.StrokeWidth("scope:N", title="Phạm vi", scale=alt.Scale(
            domain=["Trường", "Thành phố (cùng cấp học)"], range=[3, 1.5])),
        y=alt.Y("share:Q", title=["Tỉ lệ trong tổng số", "điểm cùng loại"], axis=alt.Axis(format="%")),
        color=alt.Color("scope:N", title="Phạm vi", scale=SCOPE_COLORS),
        column=alt.Column("kind:N", title="Loại điểm"),
        tooltip=[alt.Tooltip("scope:N", title="Phạm vi"), alt.Tooltip("bin:O", title="Điểm"),
                 alt.Tooltip("share:Q", title="Tỉ lệ", format=".1%"), alt.Tooltip("n:Q", title="Tổng số điểm")],
    )


def chart_config() -> alt.Config:
    """The report charts' config:

    - one font for measuring (vl-convert) and drawing (Typst, browsers): no clipped labels;
    - the number locale in the spec, so that every renderer (vl-convert, JupyterLab, the HTML's
      Vega view) formats '42,9 %' alike;
    - no width limit on axis and legend texts. The labels are ours and short (the longest,
      "table · field" on the completeness axis, is about 310 px at 10 px), and vl-convert
      measures a text with a limit three times (cut for its bounds, its width, cut again when
      drawn) instead of once: text measuring is most of a chart's SVG time. A longer label
      widens its chart instead of losing its end."""
    return alt.Config(font=FONT, locale={"number": VI_LOCALE}, axis=alt.AxisConfig(labelLimit=0),
                      legend=alt.LegendConfig(labelLimit=0, titleLimit=0))


def school_charts(report: Any) -> dict[str, alt.TopLevelMixin]:
    """The per-school report's charts (``report`` is a ``report_school.SchoolReport``).

    Built without Altair's validation of each part as it is made (its debug mode: about half
    of the building time); the tests validate the finished specs of real reports."""
    with debug_mode(False):
        charts = {
            "category": category_chart(report.by_category),
            "completeness": completeness_chart(report.completeness),
            "marks": marks_chart(report.marks, report.marks_source),
        }
        signing = getattr(report, "signing", None)
        if signing is not None and signing.has_files:
            charts["coverage"] = coverage_chart(signing.coverage)
        for chart in charts.values():
            # Set on the charts just made: ``configure`` would copy them (a layer chart's copy
            # deep-copies its layers).
            chart.config = chart_config()
    return charts
