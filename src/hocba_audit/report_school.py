"""Everything one school's report shows, read from an audit DuckDB file: verdict and deadline,
findings by category, completeness, mark distributions against the city, signing placeholders,
top findings with fix steps and the evidence of the run.

Only duckdb is imported (no pandas, no altair): the per-school notebook kernel must start fast.
Personal IDs are masked here, once, so every edition built on this (notebook, PDF) is masked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from hocba_audit.errors import HocbaAuditError
from hocba_audit.masking import mask_finding_text, mask_ids_in_text, mask_value

#: Rule categories as reports name them.
CATEGORY_VI = {
    "completeness": "Đầy đủ dữ liệu",
    "validity": "Tính hợp lệ",
    "consistency": "Tính nhất quán",
    "grading": "Tính điểm và xếp loại",
}
SEVERITIES = ("lỗi", "cảnh báo")
VERDICT_VI = {"ready": "Sẵn sàng", "needs_work": "Cần khắc phục", "not_ready": "Chưa sẵn sàng"}
OUTCOME_VI = {
    "PASSED": "Đạt", "FAILED": "Không đạt", "ERROR": "Lỗi khi chạy quy tắc",
    "NOT_APPLICABLE": "Không áp dụng",
}
#: Placeholder shown wherever signature data would go, until signatures are audited.
NO_SIGNATURE_DATA = "Chưa có dữ liệu chữ ký"
DEFAULT_DEADLINE = "2026-03-31"
#: Columns never shown in completeness (keys and match helpers, not data a school fills in).
_NOT_COMPLETENESS = {"name_key", "idx"}


@dataclass(frozen=True)
class Table:
    """A small display table (no pandas): column names and rows, rendered as HTML."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> list[Any]:
        i = self.columns.index(name)
        return [r[i] for r in self.rows]

    def to_html(self, css_class: str = "tbl") -> str:
        head = "".join(f'<th style="text-align:left">{html.escape(c)}</th>' for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f'<td style="text-align:{_align(v)}">{_cell_html(v)}</td>' for v in row)
            + "</tr>" for row in self.rows
        )
        return f'<table class="{css_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'

    def _repr_html_(self) -> str:
        return self.to_html()


def _align(value: Any) -> str:
    return "right" if isinstance(value, (int, float)) and not isinstance(value, bool) else "left"


def _cell_html(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return html.escape(str(value)).replace("\n", "<br>")


@dataclass(frozen=True)
class RuleInfo:
    code: str
    severity: str
    category: str
    title_vi: str
    fix: tuple[str, ...]
    legal_basis: str


@dataclass(frozen=True)
class CatalogueInfo:
    """What reports need of the rule catalogue, plus its version and content digest."""

    rules: dict[str, RuleInfo]
    version: str
    digest: str

    def to_json(self) -> str:
        return json.dumps({
            "version": self.version, "digest": self.digest,
            "rules": {c: r.__dict__ for c, r in self.rules.items()},
        }, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> CatalogueInfo:
        data = json.loads(text)
        rules = {c: RuleInfo(**{**r, "fix": tuple(r["fix"])}) for c, r in data["rules"].items()}
        return cls(rules, data["version"], data["digest"])


def catalogue_info(catalogue: Any = None) -> CatalogueInfo:
    """Summarise a loaded catalogue (``hocba_audit.catalogue.Catalogue``; None loads the default).

    The digest covers every rule, settings and macro file, so it changes whenever anything
    that decides a finding changes.
    """
    if catalogue is None:
        from hocba_audit.catalogue import load_catalogue

        catalogue = load_catalogue()
    rules = {r.code: RuleInfo(r.code, r.severity, r.category, r.title_vi, tuple(r.fix), r.legal_basis)
             for r in catalogue}
    files = list(catalogue.files)
    files += [Path(m.path) for m in getattr(catalogue, "macros", ()) if hasattr(m, "path")]
    from hocba_audit.paths import audits_dir

    for sub in ("settings", "macros"):
        files += sorted((audits_dir() / sub).glob("*.*"))
    h = hashlib.sha256()
    versions = set()
    for f in sorted(set(files)):
        data = Path(f).read_bytes()
        h.update(Path(f).name.encode() + b"\0" + data + b"\0")
        m = re.search(rb"^catalogue_version:\s*(\S+)", data, re.M)
        if m:
            versions.add(m[1].decode())
    return CatalogueInfo(rules, ",".join(sorted(versions)) or "?", h.hexdigest())


def load_catalogue_info(catalogue_path: str | Path = "", rules_dir: str | Path | None = None) -> CatalogueInfo:
    """Read the catalogue summary a run wrote (fast), or load the catalogue (slow, ~3 s)."""
    if catalogue_path and Path(catalogue_path).is_file():
        return CatalogueInfo.from_json(Path(catalogue_path).read_text(encoding="utf-8"))
    from hocba_audit.catalogue import load_catalogue

    return catalogue_info(load_catalogue(rules_dir))


@dataclass(frozen=True)
class FindingGroup:
    rule_code: str
    severity: str
    category: str
    title: str
    failing: int
    fix: tuple[str, ...]
    legal_basis: str
    samples: Table


@dataclass(frozen=True)
class SchoolReport:
    run_id: str
    school_id: str
    school_name: str
    level: str
    commune: str
    school_years: tuple[str, ...]
    counts: dict[str, int]
    as_of: dt.date
    deadline: dt.date
    errors: int
    warnings: int
    rules_failed: dict[str, int]
    rules_errored: int
    load_errors: int
    verdict: str
    by_category: list[dict]
    completeness: list[dict]
    marks: list[dict]
    marks_source: str
    certificates: dict[str, Any]
    top_findings: tuple[FindingGroup, ...]
    rule_results: Table
    manifest: Table
    evidence: dict[str, Any]
    reconciliation: Table = Table((), ())
    rejected: Table = Table((), ())
    rejected_total: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def verdict_vi(self) -> str:
        return VERDICT_VI[self.verdict]

    @property
    def days_left(self) -> int:
        return (self.deadline - self.as_of).days

    @property
    def days_left_vi(self) -> str:
        return days_left_text(self.days_left)

    def header_markdown(self) -> str:
        return "  \n".join([
            f"**Trường:** {self.school_name} (mã {self.school_id})",
            f"**Cấp học:** {self.level or '(chưa rõ)'} — **Xã/phường:** {self.commune or '(chưa rõ)'}",
            f"**Năm học:** {', '.join(self.school_years) or '(chưa có)'}",
            f"**Số học sinh:** {self.counts.get('pupils', 0)} — **Số lớp:** {self.counts.get('classes', 0)}"
            f" — **Số cán bộ, giáo viên:** {self.counts.get('teachers', 0)}",
            f"**Lần kiểm tra:** {self.run_id}",
        ])

    def verdict_markdown(self) -> str:
        reason = {
            "not_ready": "còn lỗi phải sửa trước khi ký số học bạ",
            "needs_work": "không còn lỗi nhưng còn cảnh báo cần rà soát",
            "ready": "không có lỗi và cảnh báo nào",
        }[self.verdict]
        lines = [
            f"### Kết luận: {self.verdict_vi}",
            f"{reason.capitalize()}: **{self.errors}** bản ghi có lỗi "
            f"({self.rules_failed.get('lỗi', 0)} quy tắc), **{self.warnings}** bản ghi có cảnh báo "
            f"({self.rules_failed.get('cảnh báo', 0)} quy tắc).",
            f"Hạn hoàn thành {vn_date(self.deadline)}: **{self.days_left_vi}** "
            f"(tính đến ngày {vn_date(self.as_of)}).",
        ]
        if self.rules_errored:
            lines.append(f"{self.rules_errored} quy tắc không chạy được; kết quả chưa đầy đủ.")
        if self.load_errors:
            lines.append(f"{self.load_errors} tệp không đọc được khi nạp dữ liệu.")
        lines.append(f"*Chữ ký số: {NO_SIGNATURE_DATA.lower()} — chưa được kiểm tra, "
                     "kết luận trên chỉ xét chất lượng dữ liệu.*")
        return "\n\n".join(lines)


def vn_date(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def days_left_text(days: int) -> str:
    """'còn N ngày', 'hôm nay là hạn cuối' or 'quá hạn N ngày'.

    >>> days_left_text(-3)
    'quá hạn 3 ngày'
    """
    if days > 0:
        return f"còn {days} ngày"
    if days == 0:
        return "hôm nay là hạn cuối"
    return f"quá hạn {-days} ngày"


def decide_verdict(errors: int, warnings: int, rules_errored: int = 0, load_errors: int = 0) -> str:
    """'not_ready' with any lỗi (or an unreadable file), 'needs_work' with only cảnh báo (or a
    rule that could not run, so the audit is incomplete), else 'ready'.

    >>> decide_verdict(0, 2)
    'needs_work'
    """
    if errors or load_errors:
        return "not_ready"
    if warnings or rules_errored:
        return "needs_work"
    return "ready"


def parse_date(value: str | dt.date | None, default: dt.date | None = None) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if not value:
        return default or dt.date.today()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            pass
    raise HocbaAuditError(f"Date '{value}' is not a date. Hint: write it as YYYY-MM-DD or dd/mm/yyyy.")


def latest_run(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute(
        "SELECT run_id FROM runs ORDER BY started_at DESC NULLS LAST, run_id DESC LIMIT 1"
    ).fetchall()
    if not row:
        row = con.execute("SELECT max(run_id) FROM rule_results").fetchall()
    return (row[0][0] or "") if row else ""


def first_school(con: duckdb.DuckDBPyConnection) -> str:
    sid = con.execute("SELECT min(school_id) FROM schools").fetchall()[0][0]
    if sid is None:
        raise HocbaAuditError("The audit database has no school. Hint: load an export first.")
    return sid


def open_db(db_path: str | Path) -> duckdb.DuckDBPyConnection:
    path = Path(db_path)
    if not path.is_file():
        raise HocbaAuditError(
            f"Audit database '{path}' does not exist. Hint: run the audit first, or pass db_path."
        )
    return duckdb.connect(str(path), read_only=True)


def build_school_report(
    con: duckdb.DuckDBPyConnection,
    school_id: str = "",
    run_id: str = "",
    catalogue: CatalogueInfo | None = None,
    *,
    deadline: str | dt.date = DEFAULT_DEADLINE,
    as_of: str | dt.date | None = None,
    top_rules: int = 10,
    samples_per_rule: int = 5,
    rejected_limit: int = 50,
    parameters: dict[str, Any] | None = None,
) -> SchoolReport:
    """Read one school's report from an open audit database.

    Args:
        con: the audit database (read-only is enough).
        school_id: the school; empty means the first school by id.
        run_id: the run; empty means the latest run.
        catalogue: rule titles and fix steps; None loads the catalogue (slow).
        deadline: the deadline the days-left figure counts to.
        as_of: the date days are counted from; None means the run's date (else today).
        top_rules: how many failing rules get a section with fix steps.
        samples_per_rule: how many findings each such section lists.
        parameters: shown on the evidence page as given.

    Raises:
        HocbaAuditError: the school is not in the database, or a date is malformed.
    """
    catalogue = catalogue or load_catalogue_info()
    school_id = school_id or first_school(con)
    run_id = run_id or latest_run(con)
    info = con.execute(
        "SELECT max(school_name), max(level), max(commune_name) FROM schools WHERE school_id = ?",
        [school_id]).fetchall()[0]
    if info[0] is None and not con.execute(
            "SELECT count(*) FROM schools WHERE school_id = ?", [school_id]).fetchall()[0][0]:
        raise HocbaAuditError(f"School '{school_id}' is not in the audit database.")
    run = con.execute("SELECT started_at, finished_at, tool_version, exports_dir, parameters "
                      "FROM runs WHERE run_id = ?", [run_id]).fetchall()
    run = run[0] if run else (None, None, "", "", "")
    as_of_date = parse_date(as_of, run[0].date() if run[0] else None)
    args = [run_id, school_id]
    counts = {t: con.execute(f'SELECT count(*) FROM "{t}" WHERE school_id = ?', [school_id]).fetchall()[0][0]
              for t in ("pupils", "classes", "teachers")}
    years = tuple(r[0] for r in con.execute(
        "SELECT DISTINCT school_year FROM school_years WHERE school_id = ? AND school_year IS NOT NULL "
        "ORDER BY 1", [school_id]).fetchall())
    results = con.execute(
        "SELECT rule_code, severity, checked, failing, rate, outcome, error FROM rule_results "
        "WHERE run_id = ? AND school_id = ?", args).fetchall()
    errors = sum(r[3] or 0 for r in results if r[5] == "FAILED" and r[1] == "lỗi")
    warnings = sum(r[3] or 0 for r in results if r[5] == "FAILED" and r[1] != "lỗi")
    rules_failed = {s: sum(1 for r in results if r[5] == "FAILED" and r[1] == s) for s in SEVERITIES}
    rules_errored = sum(1 for r in results if r[5] == "ERROR")
    load_errors = con.execute(
        "SELECT count(*) FROM load_errors WHERE run_id = ? AND school_id = ? AND severity = 'lỗi'",
        args).fetchall()[0][0]
    level = info[1] or ""
    marks, marks_source = _marks(con, school_id, level)
    return SchoolReport(
        run_id=run_id, school_id=school_id, school_name=info[0] or "(chưa có tên)", level=level,
        commune=info[2] or "", school_years=years, counts=counts, as_of=as_of_date,
        deadline=parse_date(deadline), errors=errors, warnings=warnings, rules_failed=rules_failed,
        rules_errored=rules_errored, load_errors=load_errors,
        verdict=decide_verdict(errors, warnings, rules_errored, load_errors),
        by_category=_by_category(results, catalogue),
        completeness=_completeness(con, school_id, level),
        marks=marks, marks_source=marks_source,
        certificates=_certificates(con, school_id),
        top_findings=_top_findings(con, args, results, catalogue, top_rules, samples_per_rule),
        rule_results=_rule_table(results, catalogue),
        manifest=_manifest(con, args),
        reconciliation=_reconciliation(con, args),
        rejected=_rejected(con, args, rejected_limit),
        rejected_total=con.execute("SELECT count(*) FROM rejected_rows WHERE run_id = ? AND school_id = ?",
                                   args).fetchall()[0][0],
        evidence={
            "tool_version": run[2] or "", "run_started": run[0], "run_finished": run[1],
            "exports_dir": run[3] or "", "run_parameters": run[4] or "",
            "catalogue_version": catalogue.version, "catalogue_digest": catalogue.digest,
            "parameters": dict(parameters or {}) | {"deadline": vn_date(parse_date(deadline)),
                                                    "as_of": vn_date(as_of_date)},
        },
    )


def _by_category(results: list[tuple], catalogue: CatalogueInfo) -> list[dict]:
    out: dict[tuple[str, str], dict] = {}
    for code, severity, _checked, failing, _rate, outcome, _err in results:
        rule = catalogue.rules.get(code)
        cat = CATEGORY_VI.get(rule.category, rule.category) if rule else "Khác"
        row = out.setdefault((cat, severity), {"category": cat, "severity": severity,
                                               "rules_failed": 0, "records": 0})
        if outcome == "FAILED":
            row["rules_failed"] += 1
            row["records"] += int(failing or 0)
    return sorted(out.values(), key=lambda r: (r["category"], SEVERITIES.index(r["severity"])
                                               if r["severity"] in SEVERITIES else 9))


def _completeness(con: duckdb.DuckDBPyConnection, school_id: str, level: str) -> list[dict]:
    """Share of rows with a value, per table and field: the school against schools of its level."""
    from hocba_audit.model import TABLES

    out = []
    for t in TABLES:
        cols = [c.name for c in t.columns if c.name not in _NOT_COMPLETENESS]
        if not cols:
            continue
        exprs = ", ".join(
            f"count(nullif(trim(CAST(t.\"{c}\" AS VARCHAR)), '')) FILTER (WHERE t.school_id = $1), "
            f"count(nullif(trim(CAST(t.\"{c}\" AS VARCHAR)), ''))" for c in cols)
        row = con.execute(
            f'SELECT count(*) FILTER (WHERE t.school_id = $1), count(*), {exprs} FROM "{t.name}" t '
            f"JOIN schools s USING (school_id) WHERE coalesce(s.level, '') = $2", [school_id, level]
        ).fetchall()[0]
        n_school, n_city = row[0], row[1]
        if not n_school:
            continue
        for i, c in enumerate(cols):
            out.append({"table": t.name, "field": c,
                        "school": row[2 + 2 * i] / n_school,
                        "city": row[3 + 2 * i] / n_city if n_city else None})
    return out


def _marks(con: duckdb.DuckDBPyConnection, school_id: str, level: str) -> tuple[list[dict], str]:
    """Mark distribution: share of marks in each whole-point bin, per kind, for the school and
    for all schools of its level (same denominator: numeric marks of that kind)."""
    if level == "TH":
        sql = """SELECT school_id, 'Bài KTĐK' AS kind, test_score AS v FROM primary_evaluations
                 WHERE test_score IS NOT NULL"""
        source = "Điểm bài kiểm tra định kì (TT 27)"
    else:
        sql = "SELECT school_id, kind, value AS v FROM marks WHERE value IS NOT NULL"
        source = "Điểm đánh giá TX, GK, CK (TT 22)"
    rows = con.execute(f"""
        WITH m AS (SELECT m.* FROM ({sql}) m JOIN schools s USING (school_id)
                   WHERE coalesce(s.level, '') = $2 AND m.v BETWEEN 0 AND 10),
        b AS (SELECT kind, least(floor(v), 10)::INT AS bin, school_id = $1 AS mine FROM m)
        SELECT kind, bin, count(*) FILTER (WHERE mine), count(*) FROM b GROUP BY ALL ORDER BY 1, 2
        """, [school_id, level]).fetchall()
    totals: dict[str, list[int]] = {}
    for kind, _bin, mine, all_ in rows:
        t = totals.setdefault(kind, [0, 0])
        t[0] += mine
        t[1] += all_
    out = []
    for kind, b, mine, all_ in rows:
        ts, tc = totals[kind]
        out.append({"kind": kind, "bin": b, "school": mine / ts if ts else 0.0,
                    "city": all_ / tc if tc else 0.0, "school_n": ts, "city_n": tc})
    return out, source


def _certificates(con: duckdb.DuckDBPyConnection, school_id: str) -> dict[str, Any]:
    """Facts from the certificate registry only; signatures themselves are not audited yet."""
    teachers = con.execute("SELECT count(*) FROM teachers WHERE school_id = ?", [school_id]).fetchall()[0][0]
    registered = con.execute("""
        SELECT count(DISTINCT holder_code) FILTER (WHERE holder_kind = 'giáo viên'),
               count(*) FILTER (WHERE holder_kind = 'trường')
        FROM certificates WHERE school_id = ?""", [school_id]).fetchall()[0]
    return {"teachers": teachers, "teachers_registered": registered[0],
            "seal_registered": registered[1], "status": NO_SIGNATURE_DATA}


def _top_findings(con, args, results, catalogue: CatalogueInfo, top: int, per_rule: int):
    failing = sorted(((r[0], r[1], int(r[3] or 0)) for r in results if r[5] == "FAILED"),
                     key=lambda r: (SEVERITIES.index(r[1]) if r[1] in SEVERITIES else 9, -r[2], r[0]))
    groups = []
    for code, severity, count in failing[:top]:
        rows = con.execute("""
            SELECT entity_key, field, bad_value, message, src_file, src_sheet, src_row FROM findings
            WHERE run_id = ? AND school_id = ? AND rule_code = ?
            ORDER BY src_file NULLS LAST, src_sheet NULLS LAST, src_row NULLS LAST, entity_key LIMIT ?
            """, [*args, code, per_rule]).fetchall()
        table = Table(("Đối tượng", "Trường dữ liệu", "Giá trị sai", "Mô tả", "Vị trí trong tệp nguồn"),
                      tuple((mask_finding_text(f, b, k), f, mask_value(f, b), mask_finding_text(f, b, m),
                             location(sf, ss, sr)) for k, f, b, m, sf, ss, sr in rows))
        rule = catalogue.rules.get(code)
        groups.append(FindingGroup(
            code, severity, CATEGORY_VI.get(rule.category, rule.category) if rule else "Khác",
            rule.title_vi if rule else "(không có trong danh mục hiện tại)", count,
            rule.fix if rule else (), rule.legal_basis if rule else "", table))
    return tuple(groups)


_ORDER = {"ERROR": 0, "FAILED": 1, "PASSED": 2, "NOT_APPLICABLE": 3}


def _rule_table(results: list[tuple], catalogue: CatalogueInfo) -> Table:
    rows = sorted(results, key=lambda r: (_ORDER.get(r[5], 9), r[0]))
    return Table(
        ("Mã quy tắc", "Mức độ", "Nội dung kiểm tra", "Số bản ghi kiểm tra", "Số bản ghi không đạt",
         "Tỉ lệ không đạt", "Kết quả"),
        tuple((c, s, catalogue.rules[c].title_vi if c in catalogue.rules else "(không có trong danh mục)",
               checked, failing, percent(rate), OUTCOME_VI.get(o, o))
              for c, s, checked, failing, rate, o, _e in rows))


def _manifest(con, args) -> Table:
    rows = con.execute("""
        SELECT file, coalesce(sheet, ''), sha256, size_bytes, rows_read, rows_loaded, rows_rejected, status
        FROM manifest WHERE run_id = ? AND school_id = ? ORDER BY file, sheet""", args).fetchall()
    return Table(("Tệp", "Trang tính", "SHA-256", "Kích thước (byte)", "Số dòng đọc", "Số dòng nạp",
                  "Số dòng bị loại", "Trạng thái"), tuple(rows))


def _reconciliation(con, args) -> Table:
    rows = con.execute("""
        SELECT file, coalesce(sheet, ''),
               CASE status WHEN 'loaded' THEN 'Đã nạp' WHEN 'error' THEN 'Lỗi tệp' WHEN 'skipped' THEN 'Bỏ qua'
                           WHEN 'empty' THEN 'Trống' ELSE status END,
               rows_read, rows_loaded, rows_rejected, coalesce(error, '')
        FROM manifest WHERE run_id = ? AND school_id = ? ORDER BY file, sheet""", args).fetchall()
    out = []
    tot = [0, 0, 0]
    for f, sh, st, rd, ld, rj, err in rows:
        ok = (rd or 0) == (ld or 0) + (rj or 0)
        tot = [tot[0] + (rd or 0), tot[1] + (ld or 0), tot[2] + (rj or 0)]
        out.append((f, sh, st, rd, ld, rj, "Khớp" if ok else "Không khớp", mask_ids_in_text(err)))
    if out:
        out.append(("Tổng cộng", "", "", *tot, "Khớp" if tot[0] == tot[1] + tot[2] else "Không khớp", ""))
    return Table(("Tệp", "Trang tính", "Trạng thái", "Số dòng đọc", "Số dòng nạp", "Số dòng bị loại",
                  "Đối chiếu", "Ghi chú"), tuple(out))


def _rejected(con, args, limit: int) -> Table:
    rows = con.execute("""
        SELECT file, coalesce(sheet, ''), row_number, coalesce(field, ''), reason_code, reason
        FROM rejected_rows WHERE run_id = ? AND school_id = ? ORDER BY file, sheet, row_number LIMIT ?""",
                       [*args, limit]).fetchall()
    return Table(("Tệp", "Trang tính", "Dòng", "Trường dữ liệu", "Mã lý do", "Lý do"),
                 tuple((*r[:5], mask_ids_in_text(r[5])) for r in rows))


def percent(rate: float | None) -> str:
    if rate is None or rate != rate:
        return ""
    return f"{rate * 100:.1f}".replace(".", ",") + " %"


def location(src_file: str | None, src_sheet: str | None, src_row: int | None) -> str:
    parts = [src_file or ""]
    if src_sheet:
        parts.append(f"trang {src_sheet}")
    if src_row is not None:
        parts.append(f"dòng {src_row}")
    return ", ".join(p for p in parts if p)


def manifest_key(con: duckdb.DuckDBPyConnection, run_id: str, school_id: str) -> list[tuple]:
    """(file, sheet, sha256) of every input of the school: the inputs part of the cache key."""
    return [tuple(r) for r in con.execute(
        "SELECT file, coalesce(sheet, ''), coalesce(sha256, '') FROM manifest "
        "WHERE run_id = ? AND school_id = ? ORDER BY 1, 2, 3", [run_id, school_id]).fetchall()]


# ---- notebook display helpers (IPython is present in every kernel) -------------------------

def show_markdown(text: str) -> None:
    from IPython.display import Markdown, display

    display(Markdown(text))


def show(table: Table, empty_text: str = "Không có dữ liệu.") -> None:
    from IPython.display import HTML, display

    if not len(table):
        show_markdown(f"*{empty_text}*")
    else:
        display(HTML(table.to_html()))


def show_top_findings(report: SchoolReport) -> None:
    if not report.top_findings:
        show_markdown("*Không có quy tắc nào không đạt.*")
    for g in report.top_findings:
        steps = "\n".join(f"{i}. {s}" for i, s in enumerate(g.fix, 1))
        show_markdown(f"### {g.rule_code} — {g.title}\n\n**Mức độ:** {g.severity} — **Nhóm:** "
                      f"{g.category} — **Số bản ghi không đạt:** {g.failing}\n\n"
                      f"**Cách khắc phục:**\n\n{steps}\n\n*Căn cứ: {g.legal_basis}*")
        show(g.samples)


def show_certificates(report: SchoolReport) -> None:
    c = report.certificates
    show_markdown(
        f"**{NO_SIGNATURE_DATA}** — độ phủ chữ ký theo lớp và vai trò chưa được kiểm tra.\n\n"
        f"Sổ đăng ký chứng thư số (chưa kiểm tra hiệu lực): {c['teachers_registered']} / "
        f"{c['teachers']} cán bộ, giáo viên có chứng thư đăng ký; chứng thư con dấu của trường: "
        f"{'có' if c['seal_registered'] else 'không có'} trong sổ đăng ký.")


def show_evidence(report: SchoolReport) -> None:
    e = report.evidence
    params = "\n".join(f"- `{k}` = {v}" for k, v in e["parameters"].items())
    show_markdown(
        f"**Phiên bản công cụ:** {e['tool_version']}  \n"
        f"**Danh mục quy tắc:** phiên bản {e['catalogue_version']}, mã băm `{e['catalogue_digest'][:16]}`  \n"
        f"**Lần chạy:** {report.run_id}, bắt đầu {e['run_started']}, kết thúc {e['run_finished']}  \n"
        f"**Tham số:**\n\n{params}")
    show(report.manifest, "Không có tệp nào trong bảng kê.")


def load_charts(charts_path: str, report: SchoolReport) -> dict[str, Any]:
    """The report's charts: from the JSON the renderer prepared (Vega-Lite spec + SVG, so no
    Altair import in the kernel), or built now with Altair when opened by hand in JupyterLab."""
    if charts_path and Path(charts_path).is_file():
        return json.loads(Path(charts_path).read_text(encoding="utf-8"))
    from hocba_audit.charts import chart_payloads, school_charts

    return chart_payloads(school_charts(report))


def show_chart(charts: dict[str, Any], name: str) -> None:
    from IPython.display import display

    if name in charts:
        display(charts[name]["bundle"], raw=True)
