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
from hocba_audit.labels import entity_text, finding_field_label
from hocba_audit.masking import mask_finding_text, mask_ids_in_text, mask_value

#: Rule categories as reports name them.
CATEGORY_VI = {
    "completeness": "Đầy đủ dữ liệu",
    "validity": "Tính hợp lệ",
    "consistency": "Tính nhất quán",
    "grading": "Tính điểm và xếp loại",
    "signing": "Chữ ký số",
}
SEVERITIES = ("lỗi", "cảnh báo")
VERDICT_VI = {"ready": "Sẵn sàng", "needs_work": "Cần khắc phục", "not_ready": "Chưa sẵn sàng"}
OUTCOME_VI = {
    "PASSED": "Đạt", "FAILED": "Không đạt", "ERROR": "Lỗi khi chạy quy tắc",
    "NOT_APPLICABLE": "Không áp dụng",
}
#: Shown where signing figures go when the export has no signed học bạ file at all.
NO_SIGNATURE_DATA = "Chưa có dữ liệu chữ ký"
#: Data standardised and certificates ready by: the first deadline of the year. The report
#: counts to the run's ``cert_review_deadline`` setting; this is the fallback for a database
#: without recorded settings (``run_settings``).
DEFAULT_DEADLINE = "2026-03-31"
#: Records signed by (GVCN, HT, school seal): the second deadline of the year (fallback of the
#: run's ``signing_deadline`` setting).
DEFAULT_SIGNING_DEADLINE = "2026-06-15"
#: A certificate valid through the signing deadline but expiring within this many days after
#: it is listed as expiring soon (a warning, not a blocker); fallback of the run's
#: ``cert_expiry_warning_days`` setting.
EXPIRING_SOON_DAYS = 60
#: The settings the report's deadlines come from, and their fallbacks.
DEADLINE_SETTINGS = {"deadline": ("cert_review_deadline", DEFAULT_DEADLINE),
                     "signing_deadline": ("signing_deadline", DEFAULT_SIGNING_DEADLINE),
                     "expiring_soon_days": ("cert_expiry_warning_days", EXPIRING_SOON_DAYS)}
#: Evidence label of the settings a run changed (``--setting name=value``).
SETTINGS_CHANGED_VI = "Thiết lập khác mặc định"
#: The tables the signed-file loader fills (model source 'signed_files'); a rule reading one of
#: them, or a finding on one of them, belongs to the signing section.
SIGNING_TABLES = ("signed_records", "record_signatures", "signed_values", "certificate_files",
                  "package_entries")
_SIGNING_RE = re.compile(r"\b(" + "|".join(SIGNING_TABLES) + r")\b")
ROLES = ("GVCN", "HT", "DonVi")
ROLE_VI = {"GVCN": "Giáo viên chủ nhiệm", "HT": "Hiệu trưởng", "DonVi": "Con dấu của trường"}
RECORD_STATUS_VI = {
    "VALID": "Hợp lệ, đủ chữ ký", "INCOMPLETE": "Chưa đủ chữ ký", "INVALID": "Chữ ký không hợp lệ",
    "INDETERMINATE": "Chưa xác định được hiệu lực chữ ký", "SCHEMA_INVALID": "Sai cấu trúc tệp",
    "UNREADABLE": "Không đọc được tệp",
}
_VERDICT_RANK = {"not_ready": 0, "needs_work": 1, "ready": 2}


def is_signing_rule(entity: str | None, sql: str | None) -> bool:
    """A rule of the signature pack: its entity, or a table its SQL reads, is a signed-file table.

    >>> is_signing_rule("enrolments", "SELECT … FROM enrolments e LEFT JOIN signed_records r …")
    True
    """
    return (entity or "") in SIGNING_TABLES or bool(_SIGNING_RE.search(sql or ""))


def worst_verdict(*verdicts: str) -> str:
    """The least ready of several verdicts.

    >>> worst_verdict("ready", "needs_work")
    'needs_work'
    """
    return min(verdicts, key=lambda v: _VERDICT_RANK[v])
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


#: A number already written the Vietnamese way ('7,82', '+2,6', '24 %', '1.234,5'): right-aligned
#: like a number. Plain digit strings stay left: they are codes (school, pupil, class).
_VN_NUMBER = re.compile(r"[+\-−]?\d{1,3}(?:\.\d{3})*(?:,\d+)?(?: %)?")


def _align(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "right"
    if isinstance(value, str) and ("," in value or value.endswith("%")) and _VN_NUMBER.fullmatch(value):
        return "right"
    return "left"


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
    signing: bool = False  # the rule reads the signed-file tables (signing section, 15/06 verdict)


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
    rules = {r.code: RuleInfo(r.code, r.severity, r.category, r.title_vi, tuple(r.fix), r.legal_basis,
                              r.category == "signing" or is_signing_rule(r.entity, r.sql))
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


class _DeadlineVerdict:
    """What a report part with ``verdict``, ``deadline`` and ``as_of`` fields says of them."""

    verdict: str
    deadline: dt.date
    as_of: dt.date

    @property
    def verdict_vi(self) -> str:
        return VERDICT_VI[self.verdict]

    @property
    def days_left(self) -> int:
        return (self.deadline - self.as_of).days


@dataclass(frozen=True)
class SchoolReport(_DeadlineVerdict):
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
    #: verdict of the data alone (31/03); ``verdict`` joins it with the signing verdict (15/06)
    data_verdict: str = ""
    signing: SigningSummary | None = None


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

    @property
    def data_verdict_vi(self) -> str:
        return VERDICT_VI[self.data_verdict or self.verdict]

    def verdict_counts(self) -> list[tuple[str, str, str, str]]:
        """(part, deadline, verdict, counts) for the verdict table: data quality and signing."""
        out = [("Chất lượng dữ liệu", f"{vn_date(self.deadline)} ({self.days_left_vi})", self.data_verdict_vi,
                f"{self.errors} bản ghi lỗi, {self.warnings} bản ghi cảnh báo")]
        s = self.signing
        if s is not None:
            c = s.cert_counts
            out.append(("Chứng thư số", f"{vn_date(self.deadline)} ({self.days_left_vi})",
                        "Chưa sẵn sàng" if c["blockers"] else ("Cần khắc phục" if c["warnings"] else "Sẵn sàng"),
                        f"{c['ready']}/{c['needed']} chứng thư sẵn sàng, {c['expiring_soon']} sắp hết hạn, "
                        f"{c['cmnd_only']} định danh bằng CMND"))
            out.append(("Ký số học bạ", f"{vn_date(s.deadline)} ({days_left_text(s.days_left)})", s.verdict_vi,
                        (f"{s.complete}/{s.enrolled} học sinh đủ chữ ký hợp lệ; {s.errors} bản ghi lỗi, "
                         f"{s.warnings} bản ghi cảnh báo") if s.has_files else NO_SIGNATURE_DATA))
        return out

    def verdict_markdown(self) -> str:
        reason = {
            "not_ready": "còn lỗi phải sửa trước khi ký số học bạ",
            "needs_work": "không còn lỗi nhưng còn cảnh báo cần rà soát",
            "ready": "không có lỗi và cảnh báo nào",
        }[self.data_verdict or self.verdict]
        lines = [
            f"### Kết luận chung: {self.verdict_vi}",
            "Kết luận chung là mức thấp nhất của ba phần: chất lượng dữ liệu (hạn "
            f"{vn_date(self.deadline)}), chứng thư số và ký số học bạ"
            + (f" (hạn {vn_date(self.signing.deadline)})" if self.signing else "") + ".",
            "| Phần | Hạn | Kết luận | Số liệu |\n|---|---|---|---|\n" + "\n".join(
                f"| {a} | {b} | **{c}** | {d} |" for a, b, c, d in self.verdict_counts()),
            f"**Chất lượng dữ liệu — {self.data_verdict_vi}.** "
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
        if self.signing is not None and not self.signing.has_files:
            lines.append(f"**Ký số học bạ — {self.signing.verdict_vi}:** bản xuất chưa có tệp học bạ đã ký nào, "
                         f"nên với hạn ký {vn_date(self.signing.deadline)} phần ký số được xếp chưa sẵn sàng "
                         "(xem mục Ký số học bạ).")
        return "\n\n".join(lines)


def vn_date(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def vn_datetime(t: dt.datetime | None) -> str:
    """'29/11/2026 04:38:24' (whole seconds); '' for a run that has not finished."""
    return t.strftime("%d/%m/%Y %H:%M:%S") if t is not None else "chưa kết thúc"


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


def _run_settings_rows(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple]:
    """(name, value, default_value, is_default) of the run's recorded settings, by name; [] for
    a database without the ``run_settings`` table (written before settings were recorded)."""
    # checked first: on a missing table DuckDB's replacement scan would pick up a Python object
    # of that name (this module's run_settings function) instead of failing
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'run_settings' "
                       "AND database_name = current_database() AND schema_name = current_schema()"
                       ).fetchall()[0][0]:
        return []
    return con.execute("SELECT name, value, default_value, is_default FROM run_settings "
                       "WHERE run_id = ? ORDER BY name", [run_id]).fetchall()


def run_settings(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, str | None]:
    """The run's effective rule settings, name -> value as text exactly as the rules read it
    (``runner.record_settings``: ``true``, ``45``, ``2026-06-30``; None for a NULL setting).

    ``{}`` for a run without recorded settings or a database without the ``run_settings`` table.
    """
    return {r[0]: r[1] for r in _run_settings_rows(con, run_id)}


def changed_settings(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple[str, str | None, str | None]]:
    """(name, value, default) of every setting the run changed from its declared default."""
    return [(r[0], r[1], r[2]) for r in _run_settings_rows(con, run_id) if not r[3]]


def settings_evidence(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """The evidence entries about the run's settings (see ``build_school_report``):
    ``settings`` (all, name -> value), ``settings_changed`` (name -> value, those that differ
    from their default), ``settings_defaults`` (name -> default of those) and ``settings_vi``
    (one plain Vietnamese line for the ``SETTINGS_CHANGED_VI`` row)."""
    rows = _run_settings_rows(con, run_id)
    changed = [r for r in rows if not r[3]]
    if not rows:
        text = ("Không rõ: cơ sở dữ liệu kiểm tra không ghi thiết lập của lần chạy "
                "(được tạo trước khi có bảng run_settings).")
    elif not changed:
        text = f"Không có: cả {len(rows)} thiết lập đều theo mặc định (audits/settings/)."
    else:
        text = "; ".join(f"{n} = {_setting_text(v)} (mặc định: {_setting_text(d)})" for n, v, d, _ in changed)
    return {"settings": {r[0]: r[1] for r in rows},
            "settings_changed": {r[0]: _setting_text(r[1]) for r in changed},
            "settings_defaults": {r[0]: _setting_text(r[2]) for r in changed},
            "settings_vi": text}


def _setting_text(value: str | None) -> str:
    return "(trống)" if value is None or value == "" else value


def settings_markdown(evidence: dict[str, Any]) -> str:
    """The ``SETTINGS_CHANGED_VI`` part of an evidence section, as Markdown."""
    changed = evidence.get("settings_changed") or {}
    if not changed:
        return f"**{SETTINGS_CHANGED_VI}:** {evidence.get('settings_vi', '')}"
    defaults = evidence.get("settings_defaults") or {}
    return f"**{SETTINGS_CHANGED_VI}:**\n\n" + "\n".join(
        f"- `{n}` = `{v}` (mặc định: `{defaults.get(n, '')}`)" for n, v in changed.items())


def report_deadlines(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    deadline: str | dt.date | None = None,
    signing_deadline: str | dt.date | None = None,
    expiring_soon_days: int | str | None = None,
) -> tuple[dt.date, dt.date, int]:
    """(deadline, signing deadline, expiry-warning days) a report of ``run_id`` counts with.

    An argument given (not None, not empty) wins; else the run's setting
    (``cert_review_deadline``, ``signing_deadline``, ``cert_expiry_warning_days`` in
    ``run_settings``); else ``DEFAULT_DEADLINE``, ``DEFAULT_SIGNING_DEADLINE``,
    ``EXPIRING_SOON_DAYS``.

    Raises:
        HocbaAuditError: a date or number (given or recorded) is malformed.
    """
    settings: dict[str, str | None] | None = None
    out: list[Any] = []
    for arg, value in (("deadline", deadline), ("signing_deadline", signing_deadline),
                       ("expiring_soon_days", expiring_soon_days)):
        name, fallback = DEADLINE_SETTINGS[arg]
        source = arg
        if value is None or value == "":
            if settings is None:
                settings = run_settings(con, run_id)
            value, source = settings.get(name), f"setting '{name}' of run '{run_id}'"
            if value is None or value == "":
                value, source = fallback, arg
        if arg == "expiring_soon_days":
            try:
                out.append(int(value))
            except (TypeError, ValueError):
                raise HocbaAuditError(f"The {source} is '{value}', not a number of days.") from None
        else:
            try:
                out.append(parse_date(value))
            except HocbaAuditError as e:
                raise HocbaAuditError(f"The {source}: {e}") from None
    return out[0], out[1], out[2]


def build_school_report(
    con: duckdb.DuckDBPyConnection,
    school_id: str = "",
    run_id: str = "",
    catalogue: CatalogueInfo | None = None,
    *,
    deadline: str | dt.date | None = None,
    as_of: str | dt.date | None = None,
    top_rules: int = 10,
    samples_per_rule: int = 5,
    rejected_limit: int = 50,
    parameters: dict[str, Any] | None = None,
    signing_deadline: str | dt.date | None = None,
    expiring_soon_days: int | None = None,
    baselines: dict[str, CityBaseline] | None = None,
) -> SchoolReport:
    """Read one school's report from an open audit database.

    Args:
        con: the audit database (read-only is enough).
        school_id: the school; empty means the first school by id.
        run_id: the run; empty means the latest run.
        catalogue: rule titles and fix steps; None loads the catalogue (slow).
        deadline: the deadline the days-left figure counts to (data quality, certificates);
            None or empty means the run's ``cert_review_deadline`` setting (else
            ``DEFAULT_DEADLINE``).
        signing_deadline: the deadline records must be signed by (signing verdict); None or
            empty means the run's ``signing_deadline`` setting (else
            ``DEFAULT_SIGNING_DEADLINE``), the one the signing rules used.
        expiring_soon_days: certificates expiring within this many days after the signing
            deadline are listed as expiring soon; None means the run's
            ``cert_expiry_warning_days`` (else ``EXPIRING_SOON_DAYS``).
        as_of: the date days are counted from; None means the run's date (else today).
        top_rules: how many failing rules get a section with fix steps.
        samples_per_rule: how many findings each such section lists.
        parameters: shown on the evidence page as given.
        baselines: a dict kept by the caller across the schools of one database: the city's
            figures per level (``CityBaseline``) are computed once and reused; None computes
            them for this school's level.

    The evidence holds the run's settings (``settings_evidence``): the report says which
    settings differ from their defaults (``SETTINGS_CHANGED_VI``) or that none do.

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
    deadline, signing_deadline, expiring_soon_days = report_deadlines(
        con, run_id, deadline, signing_deadline, expiring_soon_days)
    args = [run_id, school_id]
    counts = {t: con.execute(f'SELECT count(*) FROM "{t}" WHERE school_id = ?', [school_id]).fetchall()[0][0]
              for t in ("pupils", "classes", "teachers")}
    years = tuple(r[0] for r in con.execute(
        "SELECT DISTINCT school_year FROM school_years WHERE school_id = ? AND school_year IS NOT NULL "
        "ORDER BY 1", [school_id]).fetchall())
    results = con.execute(
        "SELECT rule_code, severity, checked, failing, rate, outcome, error FROM rule_results "
        "WHERE run_id = ? AND school_id = ?", args).fetchall()
    signing = build_signing_summary(con, school_id, run_id, catalogue, results, signing_deadline,
                                    as_of_date, expiring_soon_days)
    sig_codes = signing_rule_codes(con, run_id, school_id, catalogue)
    all_results = results
    results = [r for r in results if r[0] not in sig_codes]  # data quality only
    errors = sum(r[3] or 0 for r in results if r[5] == "FAILED" and r[1] == "lỗi")
    warnings = sum(r[3] or 0 for r in results if r[5] == "FAILED" and r[1] != "lỗi")
    rules_failed = {s: sum(1 for r in results if r[5] == "FAILED" and r[1] == s) for s in SEVERITIES}
    rules_errored = sum(1 for r in results if r[5] == "ERROR")
    load_errors = con.execute(
        "SELECT count(*) FROM load_errors WHERE run_id = ? AND school_id = ? AND severity = 'lỗi'",
        args).fetchall()[0][0]
    level = info[1] or ""
    city = _baseline(con, level, baselines)
    marks, marks_source = _marks(con, school_id, city)
    data_verdict = decide_verdict(errors, warnings, rules_errored, load_errors)
    return SchoolReport(
        run_id=run_id, school_id=school_id, school_name=info[0] or "(chưa có tên)", level=level,
        commune=info[2] or "", school_years=years, counts=counts, as_of=as_of_date,
        deadline=deadline, errors=errors, warnings=warnings, rules_failed=rules_failed,
        rules_errored=rules_errored, load_errors=load_errors,
        verdict=worst_verdict(data_verdict, signing.verdict,
                              "not_ready" if signing.cert_counts["blockers"] else "ready"),
        data_verdict=data_verdict, signing=signing,
        by_category=_by_category(results, catalogue),
        completeness=_completeness(con, school_id, city),
        marks=marks, marks_source=marks_source,
        certificates=_certificates(con, school_id),
        top_findings=_top_findings(con, args, all_results, catalogue, top_rules, samples_per_rule),
        rule_results=_rule_table(all_results, catalogue),
        manifest=_manifest(con, args),
        reconciliation=_reconciliation(con, args),
        rejected=_rejected(con, args, rejected_limit),
        rejected_total=con.execute("SELECT count(*) FROM rejected_rows WHERE run_id = ? AND school_id = ?",
                                   args).fetchall()[0][0],
        evidence={
            "tool_version": run[2] or "", "run_started": vn_datetime(run[0]), "run_finished": vn_datetime(run[1]),
            "exports_dir": run[3] or "", "run_parameters": run[4] or "",
            "catalogue_version": catalogue.version, "catalogue_digest": catalogue.digest,
            "parameters": _effective(parameters, school_id=school_id, run_id=run_id) | {"deadline": vn_date(deadline),
                                                    "signing_deadline": vn_date(signing_deadline),
                                                    "as_of": vn_date(as_of_date)},
            **settings_evidence(con, run_id),
        },
    )


def _effective(parameters: dict[str, Any] | None, **resolved: str) -> dict[str, Any]:
    """The parameters as given, an empty school_id/run_id shown with the value it resolved to."""
    out = dict(parameters or {})
    for k, v in resolved.items():
        if k in out and out[k] in ("", None):
            out[k] = f"(trống → {v})"
    return out


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


def _completeness_columns() -> list[tuple[str, list[str]]]:
    """(table, fields) whose completeness the report shows: the export tables (signed files are
    covered by the signing section)."""
    from hocba_audit.model import TABLES

    out = []
    for t in TABLES:
        cols = [c.name for c in t.columns if c.name not in _NOT_COMPLETENESS]
        if t.source == "export" and cols:
            out.append((t.name, cols))
    return out


def _filled(cols: list[str]) -> str:
    return ", ".join(f"count(nullif(trim(CAST(t.\"{c}\" AS VARCHAR)), ''))" for c in cols)


#: Marks of a level as (school_id, kind, v) and what the chart calls them.
_MARK_SOURCES = {
    "TH": ("""SELECT school_id, 'Bài KTĐK' AS kind, test_score AS v FROM primary_evaluations
              WHERE test_score IS NOT NULL""", "Điểm bài kiểm tra định kì (TT 27)"),
    "": ("SELECT school_id, kind, value AS v FROM marks WHERE value IS NOT NULL",
         "Điểm đánh giá TX, GK, CK (TT 22)"),
}


def _mark_source(level: str) -> tuple[str, str]:
    return _MARK_SOURCES["TH" if level == "TH" else ""]


@dataclass(frozen=True)
class CityBaseline:
    """What every school of one level shares in its report: the city's completeness share per
    (table, field) and its marks per (kind, whole-point bin). Computed once per level and
    reused for all its schools (``build_school_report(baselines=...)``): recomputing it per school
    scanned the whole city once for every school."""

    level: str
    completeness: dict[tuple[str, str], float | None]
    marks: dict[tuple[str, int], int]


def city_baseline(con: duckdb.DuckDBPyConnection, level: str) -> CityBaseline:
    completeness: dict[tuple[str, str], float | None] = {}
    for table, cols in _completeness_columns():
        row = con.execute(
            f'SELECT count(*), {_filled(cols)} FROM "{table}" t JOIN schools s USING (school_id) '
            f"WHERE coalesce(s.level, '') = $1", [level]).fetchall()[0]
        for i, c in enumerate(cols):
            completeness[(table, c)] = row[1 + i] / row[0] if row[0] else None
    sql, _source = _mark_source(level)
    marks = {(kind, b): n for kind, b, n in con.execute(f"""
        SELECT kind, least(floor(v), 10)::INT AS bin, count(*) FROM ({sql}) m JOIN schools s USING (school_id)
        WHERE coalesce(s.level, '') = $1 AND m.v BETWEEN 0 AND 10 GROUP BY ALL""", [level]).fetchall()}
    return CityBaseline(level, completeness, marks)


def _baseline(con: duckdb.DuckDBPyConnection, level: str, baselines: dict | None) -> CityBaseline:
    if baselines is None:
        return city_baseline(con, level)
    if level not in baselines:
        baselines[level] = city_baseline(con, level)
    return baselines[level]


def _completeness(con: duckdb.DuckDBPyConnection, school_id: str, city: CityBaseline) -> list[dict]:
    """Share of rows with a value, per table and field: the school against schools of its level."""
    from hocba_audit.labels import field_label, table_label

    out = []
    for table, cols in _completeness_columns():
        row = con.execute(f'SELECT count(*), {_filled(cols)} FROM "{table}" t WHERE t.school_id = $1',
                          [school_id]).fetchall()[0]
        if not row[0]:
            continue
        for i, c in enumerate(cols):
            out.append({"table": table, "field": c, "table_vi": table_label(table),
                        "field_vi": field_label(table, c), "school": row[1 + i] / row[0],
                        "city": city.completeness.get((table, c))})
    return out


def _marks(con: duckdb.DuckDBPyConnection, school_id: str, city: CityBaseline) -> tuple[list[dict], str]:
    """Mark distribution: share of marks in each whole-point bin, per kind, for the school and
    for all schools of its level (same denominator: numeric marks of that kind)."""
    sql, source = _mark_source(city.level)
    mine = {(kind, b): n for kind, b, n in con.execute(f"""
        SELECT kind, least(floor(v), 10)::INT AS bin, count(*) FROM ({sql}) m
        WHERE m.school_id = $1 AND m.v BETWEEN 0 AND 10 GROUP BY ALL""", [school_id]).fetchall()}
    totals: dict[str, list[int]] = {}
    for (kind, b), n in city.marks.items():
        t = totals.setdefault(kind, [0, 0])
        t[0] += mine.get((kind, b), 0)
        t[1] += n
    out = []
    for (kind, b), n in sorted(city.marks.items()):
        ts, tc = totals[kind]
        out.append({"kind": kind, "bin": b, "school": mine.get((kind, b), 0) / ts if ts else 0.0,
                    "city": n / tc if tc else 0.0, "school_n": ts, "city_n": tc})
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
            SELECT entity, entity_key, field, bad_value, message, src_file, src_sheet, src_row FROM findings
            WHERE run_id = ? AND school_id = ? AND rule_code = ?
            ORDER BY src_file NULLS LAST, src_sheet NULLS LAST, src_row NULLS LAST, entity_key LIMIT ?
            """, [*args, code, per_rule]).fetchall()
        table = Table(("Đối tượng", "Trường dữ liệu", "Giá trị sai", "Mô tả", "Vị trí trong tệp nguồn"),
                      tuple((mask_finding_text(f, b, entity_text(e, k)), finding_field_label(e, k, f), mask_value(f, b),
                             mask_finding_text(f, b, m), location(sf, ss, sr))
                            for e, k, f, b, m, sf, ss, sr in rows))
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


#: A manifest row's status in Vietnamese (SQL expression).
_STATUS_VI = ("CASE status WHEN 'loaded' THEN 'Đã nạp' WHEN 'error' THEN 'Lỗi tệp' WHEN 'skipped' THEN 'Bỏ qua' "
              "WHEN 'empty' THEN 'Trống' ELSE status END")


def _manifest(con, args) -> Table:
    rows = con.execute(f"""
        SELECT file, coalesce(sheet, ''), sha256, size_bytes, rows_read, rows_loaded, rows_rejected,
               {_STATUS_VI}
        FROM manifest WHERE run_id = ? AND school_id = ? ORDER BY file, sheet""", args).fetchall()
    return Table(("Tệp", "Trang tính", "SHA-256", "Kích thước (byte)", "Số dòng đọc", "Số dòng nạp",
                  "Số dòng bị loại", "Trạng thái"), tuple(rows))


def _reconciliation(con, args) -> Table:
    rows = con.execute(f"""
        SELECT file, coalesce(sheet, ''), {_STATUS_VI},
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
    """Certificate readiness: every GVCN of the year, the principal and the school seal."""
    s = report.signing
    c = report.certificates
    reg = (f"Sổ đăng ký chứng thư số: {c['teachers_registered']} / {c['teachers']} cán bộ, giáo viên có "
           f"chứng thư đăng ký; chứng thư con dấu của trường: {'có' if c['seal_registered'] else 'không có'} "
           "trong sổ đăng ký.")
    if s is None:
        show_markdown(reg)
        return
    k = s.cert_counts
    show_markdown(
        f"**{k['ready']} / {k['needed']}** chứng thư số cần dùng đã sẵn sàng (có tệp, tin cậy, dùng để ký được, "
        f"còn hiệu lực đến hạn ký {vn_date(s.deadline)}). Thiếu tệp: **{k['missing']}**; không tin cậy: "
        f"**{k['untrusted']}**; hết hạn trước hạn ký: **{k['expires_before']}**; sắp hết hạn (trong "
        f"{s.soon_days} ngày sau hạn ký): **{k['expiring_soon']}**; định danh bằng CMND 9 số: "
        f"**{k['cmnd_only']}**.\n\n{reg}")
    show(s.certificates, "Không xác định được giáo viên chủ nhiệm, hiệu trưởng của năm học.")


def show_signing(report: SchoolReport, charts: dict[str, Any] | None = None) -> None:
    """The signing section: summary and verdict, coverage by class and role, record statuses,
    signature slots, frequent problems, the signature rules that failed, the sync package."""
    s = report.signing
    if s is None:
        show_markdown(f"*{NO_SIGNATURE_DATA}.*")
        return
    show_markdown(s.markdown())
    if not s.has_files:
        return
    if charts is not None:
        show_chart(charts, "coverage")
    show_markdown("#### Độ phủ chữ ký theo lớp và vai trò\n\nSố học sinh có chữ ký hợp lệ của vai trò / "
                  "số học sinh đang theo học của lớp (không tính học sinh đã chuyển đi, thôi học).")
    show(s.coverage_table())
    show_markdown("#### Trạng thái các tệp học bạ")
    show(s.status_counts)
    if s.records_without_pupil:
        show_markdown(f"{s.records_without_pupil} tệp học bạ là của học sinh không có trong danh sách lớp của năm học.")
    show_markdown("#### Chữ ký theo vai trò")
    show(s.slot_table)
    show_markdown("#### Các vấn đề chữ ký thường gặp")
    show(s.problems, "Không có vấn đề nào: mọi ô chữ ký đều có chữ ký hợp lệ.")
    show_markdown("#### Quy tắc kiểm tra chữ ký số không đạt")
    show(s.rules, "Không có quy tắc kiểm tra chữ ký số nào không đạt.")


def show_package(report: SchoolReport) -> None:
    s = report.signing
    show_markdown(package_markdown(s.package) if s is not None else f"*{NO_SIGNATURE_DATA}.*")


def show_evidence(report: SchoolReport) -> None:
    e = report.evidence
    params = "\n".join(f"- `{k}` = {v}" for k, v in e["parameters"].items())
    show_markdown(
        f"**Phiên bản công cụ:** {e['tool_version']}  \n"
        f"**Danh mục quy tắc:** phiên bản {e['catalogue_version']}, mã băm `{e['catalogue_digest'][:16]}`  \n"
        f"**Lần chạy:** {report.run_id}, bắt đầu {e['run_started']}, kết thúc {e['run_finished']}  \n"
        f"**Tham số:**\n\n{params}\n\n{settings_markdown(e)}")
    show(report.manifest, "Không có tệp nào trong bảng kê.")


def load_charts(charts_path: str, report: SchoolReport) -> dict[str, Any]:
    """The report's charts: from the JSON the renderer prepared (Vega-Lite spec + SVG, so no
    Altair import in the kernel), or built now with Altair when opened by hand in JupyterLab."""
    if charts_path and Path(charts_path).is_file():
        return json.loads(Path(charts_path).read_text(encoding="utf-8"))
    from hocba_audit.charts import chart_payloads, school_charts

    return chart_payloads(school_charts(report), html=False)


#: Name of the payload with the Vega runtime (``charts.RUNTIME``; not imported: Altair is slow).
_RUNTIME = "__vega_runtime__"


def show_chart(charts: dict[str, Any], name: str) -> None:
    """Display one chart; before the first one, the Vega runtime payload if the renderer
    prepared one (so the HTML export holds the runtime once, and only if it has charts)."""
    from IPython.display import display

    if name not in charts:
        return
    runtime = charts.get(_RUNTIME)
    if runtime is not None and not runtime.get("shown"):
        display(runtime["bundle"], raw=True)
        runtime["shown"] = True
    display(charts[name]["bundle"], raw=True)


# ---- signing: coverage, record statuses, certificates, sync package -------------------------

@dataclass(frozen=True)
class SigningSummary(_DeadlineVerdict):
    """The signing half of a school's report, read from the signed-file tables."""

    has_files: bool
    files: int
    deadline: dt.date
    as_of: dt.date
    enrolled: int
    with_record: int
    complete: int
    role_valid: dict[str, int]
    without_record: int
    records_without_pupil: int
    coverage: list[dict]
    status_counts: Table
    slot_table: Table
    problems: Table
    certificates: Table
    cert_counts: dict[str, int]
    package: dict[str, Any]
    rules: Table
    errors: int
    warnings: int
    verdict: str
    reasons: tuple[str, ...]
    #: certificates expiring within this many days after ``deadline`` are expiring soon
    soon_days: int = EXPIRING_SOON_DAYS


    @property
    def package_text(self) -> str:
        return package_markdown(self.package).replace("**", "").strip("*")

    @property
    def coverage_rate(self) -> float | None:
        return self.complete / self.enrolled if self.enrolled else None

    def coverage_table(self) -> Table:
        """Class × role: pupils with a valid signature of the role / enrolled pupils."""
        rows = []
        for c in self.coverage:
            n = c["enrolled"]
            rows.append((c["school_year"], c["class_name"], n, c["with_record"],
                         *(_frac(c[r], n) for r in ROLES), _frac(c["complete"], n)))
        if len(self.coverage) > 1:
            n = self.enrolled
            rows.append(("Tổng cộng", "", n, self.with_record,
                         *(_frac(self.role_valid[r], n) for r in ROLES), _frac(self.complete, n)))
        return Table(("Năm học", "Lớp", "Số học sinh", "Có tệp học bạ", "GVCN ký hợp lệ",
                      "Hiệu trưởng ký hợp lệ", "Đóng dấu hợp lệ", "Đủ bộ chữ ký hợp lệ"), tuple(rows))

    def markdown(self) -> str:
        """The summary paragraph of the signing section (Vietnamese)."""
        head = (f"**Ký số học bạ — {self.verdict_vi}.** Hạn ký {vn_date(self.deadline)}: "
                f"**{days_left_text(self.days_left)}** (tính đến ngày {vn_date(self.as_of)}).")
        if not self.has_files:
            return "\n\n".join([head, (
                f"**{NO_SIGNATURE_DATA}:** bản xuất dữ liệu của trường không có tệp học bạ đã ký nào "
                f"(thư mục `hoc_ba/`). Chưa thể tính độ phủ chữ ký; với hạn ký {vn_date(self.deadline)} "
                f"trường được xếp **chưa sẵn sàng** vì chưa có học bạ nào được ký cho {self.enrolled} "
                "học sinh đang theo học."), *[f"- {r}" for r in self.reasons[1:]]])
        lines = [head,
                 f"{self.files} tệp học bạ; {self.with_record} / {self.enrolled} học sinh đang theo học có tệp, "
                 f"**{self.complete} / {self.enrolled}** ({percent(self.coverage_rate)}) có đủ ba chữ ký hợp lệ "
                 "(giáo viên chủ nhiệm, hiệu trưởng, con dấu của trường).",
                 ]
        if self.reasons:
            lines.append("Lý do:\n\n" + "\n".join(f"- {r}" for r in self.reasons))
        return "\n\n".join(lines)


def _frac(n: int, d: int) -> str:
    return f"{n}/{d} ({percent(n / d) if d else '—'})"


def _signing_years(con, school_id: str) -> list[str]:
    """School years whose records must be signed: the latest year of the enrolments, plus every
    year a signed record names."""
    rows = con.execute("""
        SELECT max(school_year) FROM enrolments WHERE school_id = $1 AND school_year IS NOT NULL
        UNION SELECT DISTINCT school_year FROM signed_records WHERE school_id = $1 AND school_year IS NOT NULL
        """, [school_id]).fetchall()
    return sorted({r[0] for r in rows if r[0]})


_LEFT = ("Chuyển đi", "Thôi học")


def signing_coverage(con, school_id: str) -> list[dict]:
    """Per school year and class: enrolled pupils (not transferred out or dropped out) and how many
    have a record, a valid (present, TOTAL_PASSED) signature of each role on some file, and a
    complete valid set (one file with all three roles valid: the rule pack's ``signing_coverage``)."""
    years = _signing_years(con, school_id)
    if not years:
        return []
    rows = con.execute(f"""
        WITH enr AS (
            SELECT school_year, pupil_code, min(class_name) AS class_name FROM enrolments
            WHERE school_id = $1 AND school_year IN (SELECT unnest($2::VARCHAR[]))
              AND coalesce(status, '') NOT IN ('{_LEFT[0]}', '{_LEFT[1]}') AND pupil_code IS NOT NULL
            GROUP BY 1, 2),
        file_roles AS (
            SELECT r.school_year, r.pupil_code, r.src_file,
                   {", ".join(f"coalesce(bool_or(s.role = '{role}' AND s.present AND s.indication = 'TOTAL_PASSED'), false) AS r_{role}"
                              for role in ROLES)}
            FROM signed_records r LEFT JOIN record_signatures s
              ON s.school_id = r.school_id AND s.src_file = r.src_file
            WHERE r.school_id = $1 GROUP BY 1, 2, 3),
        sig AS (
            SELECT school_year, pupil_code, bool_or({" AND ".join(f"r_{role}" for role in ROLES)}) AS complete,
                   {", ".join(f"bool_or(r_{role}) AS r_{role}" for role in ROLES)}
            FROM file_roles GROUP BY 1, 2)
        SELECT e.school_year, coalesce(e.class_name, '(chưa rõ lớp)'), count(*), count(s.pupil_code),
               {", ".join(f"count(*) FILTER (WHERE s.r_{role})" for role in ROLES)},
               count(*) FILTER (WHERE s.complete)
        FROM enr e LEFT JOIN sig s USING (school_year, pupil_code) GROUP BY 1, 2""",
                       [school_id, years]).fetchall()
    out = [{"school_year": y, "class_name": c, "enrolled": n, "with_record": w,
            **dict(zip(ROLES, vals[:3])), "complete": vals[3]} for y, c, n, w, *vals in rows]
    out.sort(key=lambda r: (r["school_year"], _class_sort(r["class_name"])))
    return out


def _class_sort(name: str) -> tuple:
    m = re.match(r"\D*(\d+)(.*)", name or "")
    return (int(m[1]), m[2]) if m else (99, name or "")


def certificate_readiness(con, school_id: str, deadline: dt.date,
                          soon_days: int = EXPIRING_SOON_DAYS) -> list[dict]:
    """Every certificate the school needs to sign this year's records: each GVCN of the year,
    the principal (teachers.position 'Hiệu trưởng') and the school seal. Per holder: the
    certificate file found (through the registry, else by the holder's ID), whether it is
    trusted, usable to sign and valid through ``deadline``; problems as Vietnamese text.

    ``blocker`` is True when the holder cannot sign validly by the deadline; ``warning`` for a
    certificate expiring within ``soon_days`` after it, or identifying by a 9-digit CMND."""
    years = _signing_years(con, school_id) or [None]
    year = years[-1]
    need: dict[tuple[str, str], dict] = {}
    for code, classes in con.execute("""
            SELECT homeroom_teacher_code, string_agg(DISTINCT class_name, ', ' ORDER BY class_name)
            FROM classes WHERE school_id = ? AND homeroom_teacher_code IS NOT NULL
              AND (school_year = ? OR ? IS NULL OR school_year IS NULL) GROUP BY 1""",
                                     [school_id, year, year]).fetchall():
        need[(code, "GVCN")] = {"code": code, "role": "GVCN", "detail": f"GVCN lớp {classes}"}
    for (code,) in con.execute("SELECT teacher_code FROM teachers WHERE school_id = ? AND position = 'Hiệu trưởng'",
                               [school_id]).fetchall():
        need[(code, "HT")] = {"code": code, "role": "HT", "detail": "Hiệu trưởng"}
    need[(school_id, "DonVi")] = {"code": school_id, "role": "DonVi", "detail": "Con dấu của trường"}
    teachers = {r[0]: (r[1], r[2]) for r in con.execute(
        "SELECT teacher_code, full_name, personal_id FROM teachers WHERE school_id = ?", [school_id]).fetchall()}
    school = con.execute("SELECT max(tax_code), max(budget_code) FROM schools WHERE school_id = ?",
                         [school_id]).fetchall()[0]
    registry: dict[str, list[str]] = {}
    for kind, code, f in con.execute(
            "SELECT holder_kind, holder_code, cert_file FROM certificates WHERE school_id = ?", [school_id]).fetchall():
        registry.setdefault(("DonVi" if kind == "trường" else "person") + "|" + str(code), []).append(f)
    files = {}
    cur = con.execute("""SELECT src_file, subject_name, id_kind, personal_id, tax_code, budget_code, not_after,
                                key_usage_ok, chain_status, problem FROM certificate_files WHERE school_id = ?""",
                      [school_id])
    cols = [d[0] for d in cur.description]
    for r in cur.fetchall():
        files[r[0]] = dict(zip(cols, r))
    # the end of the deadline day in Vietnam (24:00, UTC+7) as naive UTC, like not_after
    limit = dt.datetime.combine(deadline, dt.time()) + dt.timedelta(hours=17)
    soon = limit + dt.timedelta(days=soon_days)
    out = []
    for (code, role), h in need.items():
        name = "(con dấu)" if role == "DonVi" else (teachers.get(code, (None,))[0] or "(không có trong danh sách cán bộ)")
        reg = registry.get(("DonVi" if role == "DonVi" else "person") + "|" + str(code), [])
        cands = [files[f] for f in reg if f in files]
        if not cands and role != "DonVi":
            pid = teachers.get(code, (None, None))[1]
            cands = [f for f in files.values() if pid and f["personal_id"] == pid]
        if not cands and role == "DonVi":
            cands = [f for f in files.values() if f["id_kind"] in ("MST", "MNS") and (
                (school[0] and f["tax_code"] == school[0]) or (school[1] and f["budget_code"] == school[1]))]
        problems: list[str] = []
        warnings: list[str] = []
        best = None
        if role != "DonVi" and code not in teachers:
            problems.append("mã giáo viên chủ nhiệm không có trong danh sách cán bộ, giáo viên")
        if not cands:
            problems.append("không có tệp chứng thư số" + (f" ({', '.join(reg)} không có trong bản xuất)" if reg else ""))
        else:
            best = max(cands, key=lambda f: (f["chain_status"] == "TRUSTED", bool(f["key_usage_ok"]),
                                             f["not_after"] or dt.datetime.min))
            if best["chain_status"] != "TRUSTED":
                problems.append(_CHAIN_VI.get(best["chain_status"], f"chuỗi chứng thư: {best['chain_status']}"))
            if best["key_usage_ok"] is False:
                problems.append("khoá không dùng để ký được (mục đích sử dụng khoá sai)")
            na = best["not_after"]
            if na is not None and na < limit:
                problems.append(f"hết hạn {vn_date(na.date())}, trước hạn ký {vn_date(deadline)}")
            elif na is not None and na < soon:
                warnings.append(f"sắp hết hạn ({vn_date(na.date())})")
            if role == "DonVi" and (
                    (school[0] and best["tax_code"] and best["tax_code"] != school[0])
                    or (school[1] and best["budget_code"] and best["budget_code"] != school[1])):
                problems.append(f"mã số thuế/mã ngân sách của chứng thư con dấu ({best['tax_code'] or ''}"
                                f"/{best['budget_code'] or ''}) khác mã của trường ({school[0] or ''}/{school[1] or ''})")
            if best["id_kind"] == "CMND":
                warnings.append("định danh bằng CMND 9 số (chưa cập nhật CCCD)")
        status = "Chưa sẵn sàng" if problems else ("Cần lưu ý" if warnings else "Sẵn sàng")
        out.append({"school_id": school_id, "code": code, "role": role, "detail": h["detail"], "name": name,
                    "file": best["src_file"] if best else (reg[0] if reg else ""),
                    "not_after": best["not_after"] if best else None,
                    "present": best is not None, "trusted": bool(best and best["chain_status"] == "TRUSTED"),
                    "valid_through": bool(best and best["not_after"] and best["not_after"] >= limit),
                    "expiring_soon": any(w.startswith("sắp hết hạn") for w in warnings),
                    "cmnd_only": bool(best and best["id_kind"] == "CMND"),
                    "blocker": bool(problems), "warning": bool(warnings), "status": status,
                    "note": mask_ids_in_text("; ".join(problems + warnings)) or ""})
    out.sort(key=lambda r: (ROLES.index(r["role"]) if r["role"] != "GVCN" else -1, r["code"]))
    return out


_CHAIN_VI = {
    "NO_CHAIN": "không dựng được chuỗi tới tổ chức cấp tin cậy",
    "UNTRUSTED_ROOT": "chứng thư gốc không nằm trong danh sách tin cậy của Sở",
    "REVOKED": "chứng thư đã bị thu hồi",
    "UNREADABLE": "không đọc được tệp chứng thư",
}


def _cert_table(rows: list[dict]) -> Table:
    return Table(("Vai trò", "Mã", "Họ tên", "Tệp chứng thư", "Hiệu lực đến", "Tình trạng", "Ghi chú"),
                 tuple((r["detail"], r["code"], r["name"], r["file"],
                        vn_date(r["not_after"].date()) if r["not_after"] else "", r["status"], r["note"])
                       for r in rows))


def cert_counts(rows: list[dict]) -> dict[str, int]:
    return {"needed": len(rows), "ready": sum(1 for r in rows if not r["blocker"]),
            "missing": sum(1 for r in rows if not r["present"]),
            "untrusted": sum(1 for r in rows if r["present"] and not r["trusted"]),
            "expires_before": sum(1 for r in rows if r["present"] and r["not_after"] and not r["valid_through"]),
            "expiring_soon": sum(1 for r in rows if r["expiring_soon"]),
            "cmnd_only": sum(1 for r in rows if r["cmnd_only"]),
            "blockers": sum(1 for r in rows if r["blocker"]), "warnings": sum(1 for r in rows if r["warning"])}


def package_state(con, school_id: str) -> dict[str, Any]:
    row = con.execute("""
        SELECT count(*), count(*) FILTER (WHERE manifest_file IS NOT NULL),
               count(*) FILTER (WHERE in_manifest AND on_disk AND lower(listed_sha256) = lower(actual_sha256)),
               count(*) FILTER (WHERE in_manifest AND on_disk AND lower(listed_sha256) <> lower(actual_sha256)),
               count(*) FILTER (WHERE NOT coalesce(in_manifest, false)),
               count(*) FILTER (WHERE in_manifest AND NOT coalesce(on_disk, false))
        FROM package_entries WHERE school_id = ?""", [school_id]).fetchall()[0]
    keys = ("entries", "listed", "ok", "hash_mismatch", "not_in_manifest", "listed_missing")
    out = dict(zip(keys, (int(v or 0) for v in row)))
    out["manifest"] = out["listed"] > 0
    return out


def package_markdown(p: dict[str, Any]) -> str:
    if not p["entries"]:
        return "*Không có gói đồng bộ: bản xuất không có tệp học bạ và không có tệp kê khai (manifest.csv).*"
    if not p["manifest"]:
        return (f"**Không có tệp kê khai (hoc_ba/manifest.csv)**: {p['entries']} tệp học bạ chưa được kê khai "
                "trong gói đồng bộ.")
    return (f"Tệp kê khai: có. {p['ok']} / {p['entries']} tệp khớp mã băm; **{p['hash_mismatch']}** tệp sai mã băm, "
            f"**{p['not_in_manifest']}** tệp không có trong tệp kê khai, **{p['listed_missing']}** tệp được kê khai "
            "nhưng không có trong gói.")


def build_signing_summary(con, school_id: str, run_id: str, catalogue: CatalogueInfo, results: list[tuple],
                          deadline: dt.date, as_of: dt.date, soon_days: int = EXPIRING_SOON_DAYS) -> SigningSummary:
    """The signing section of one school (see ``SigningSummary``) and its verdict for ``deadline``."""
    files = con.execute("SELECT count(*) FROM signed_records WHERE school_id = ?", [school_id]).fetchall()[0][0]
    coverage = signing_coverage(con, school_id)
    enrolled = sum(c["enrolled"] for c in coverage)
    with_record = sum(c["with_record"] for c in coverage)
    complete = sum(c["complete"] for c in coverage)
    role_valid = {r: sum(c[r] for c in coverage) for r in ROLES}
    orphans = con.execute("""
        SELECT count(*) FROM signed_records r WHERE r.school_id = ? AND NOT EXISTS (
            SELECT 1 FROM enrolments e WHERE e.school_id = r.school_id AND e.school_year = r.school_year
              AND e.pupil_code = r.pupil_code)""", [school_id]).fetchall()[0][0]
    statuses = dict(con.execute("SELECT status, count(*) FROM signed_records WHERE school_id = ? GROUP BY 1",
                                [school_id]).fetchall())
    status_table = Table(("Trạng thái", "Mã", "Số tệp"), tuple(
        (RECORD_STATUS_VI.get(s, s or "(trống)"), s or "", statuses[s])
        for s in sorted(statuses, key=lambda s: list(RECORD_STATUS_VI).index(s) if s in RECORD_STATUS_VI else 99)))
    slots = con.execute("""
        SELECT role, count(*), count(*) FILTER (WHERE present),
               count(*) FILTER (WHERE present AND indication = 'TOTAL_PASSED'),
               count(*) FILTER (WHERE present AND indication = 'INDETERMINATE'),
               count(*) FILTER (WHERE present AND indication = 'TOTAL_FAILED'),
               count(*) FILTER (WHERE NOT coalesce(present, false))
        FROM record_signatures WHERE school_id = ? GROUP BY 1""", [school_id]).fetchall()
    slot_table = Table(("Vai trò", "Số tệp", "Có chữ ký", "Hợp lệ", "Chưa xác định", "Không hợp lệ", "Ô chữ ký trống"),
                       tuple((ROLE_VI.get(r[0], r[0]), *r[1:]) for r in sorted(
                           slots, key=lambda r: ROLES.index(r[0]) if r[0] in ROLES else 9)))
    problems = con.execute("""
        SELECT role, coalesce(sub_indication, indication, 'TRỐNG'), count(*), min(explanation), min(action)
        FROM record_signatures WHERE school_id = ?
          AND (NOT coalesce(present, false) OR coalesce(indication, '') <> 'TOTAL_PASSED')
        GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 15""", [school_id]).fetchall()
    problem_table = Table(("Vai trò", "Mã vấn đề", "Số tệp", "Giải thích (ví dụ)", "Việc cần làm"),
                          tuple((ROLE_VI.get(r[0], r[0]), r[1], r[2], mask_ids_in_text(r[3]) or "",
                                 mask_ids_in_text(r[4]) or "") for r in problems))
    certs = certificate_readiness(con, school_id, deadline, soon_days)
    counts = cert_counts(certs)
    package = package_state(con, school_id)
    codes = signing_rule_codes(con, run_id, school_id, catalogue)
    sig_results = [r for r in results if r[0] in codes and r[5] == "FAILED"]
    errors = sum(int(r[3] or 0) for r in sig_results if r[1] == "lỗi")
    warnings = sum(int(r[3] or 0) for r in sig_results if r[1] != "lỗi")
    rules = Table(("Mã quy tắc", "Mức độ", "Nội dung kiểm tra", "Số bản ghi không đạt"), tuple(
        (r[0], r[1], catalogue.rules[r[0]].title_vi if r[0] in catalogue.rules else "", int(r[3] or 0))
        for r in sorted(sig_results, key=lambda r: (SEVERITIES.index(r[1]) if r[1] in SEVERITIES else 9,
                                                    -int(r[3] or 0), r[0]))))
    reasons: list[str] = []
    blockers = 0
    if not files:
        reasons.append(f"{NO_SIGNATURE_DATA}: chưa có tệp học bạ đã ký nào.")
        blockers += 1
    if enrolled and complete < enrolled:
        reasons.append(f"{enrolled - complete} / {enrolled} học sinh chưa có học bạ đủ ba chữ ký hợp lệ"
                       f" ({enrolled - with_record} học sinh chưa có tệp học bạ).")
        blockers += 1
    bad = sum(statuses.get(s, 0) for s in ("INVALID", "SCHEMA_INVALID", "UNREADABLE"))
    if bad:
        reasons.append(f"{bad} tệp học bạ có chữ ký không hợp lệ, sai cấu trúc hoặc không đọc được.")
        blockers += 1
    if errors:
        reasons.append(f"{errors} bản ghi có lỗi theo các quy tắc kiểm tra chữ ký số.")
        blockers += 1
    if counts["blockers"]:
        reasons.append(f"{counts['blockers']} / {counts['needed']} chứng thư số cần dùng chưa sẵn sàng "
                       "(thiếu, không tin cậy, không dùng để ký được hoặc hết hạn trước hạn ký).")
        blockers += 1
    soft = []
    if warnings:
        soft.append(f"{warnings} bản ghi có cảnh báo theo các quy tắc kiểm tra chữ ký số.")
    if counts["warnings"]:
        soft.append(f"{counts['warnings']} chứng thư số cần lưu ý (sắp hết hạn hoặc định danh bằng CMND).")
    if package["hash_mismatch"] or package["not_in_manifest"] or package["listed_missing"] or (files and not package["manifest"]):
        soft.append("Gói đồng bộ chưa khớp tệp kê khai (xem mục gói đồng bộ).")
    verdict = "not_ready" if blockers else ("needs_work" if soft else "ready")
    return SigningSummary(
        has_files=bool(files), files=files, deadline=deadline, as_of=as_of, enrolled=enrolled,
        with_record=with_record, complete=complete, role_valid=role_valid,
        without_record=enrolled - with_record, records_without_pupil=orphans, coverage=coverage,
        status_counts=status_table, slot_table=slot_table, problems=problem_table,
        certificates=_cert_table(certs), cert_counts=counts, package=package, rules=rules,
        errors=errors, warnings=warnings, verdict=verdict, reasons=tuple(reasons + soft), soon_days=soon_days)


def signing_rule_codes(con, run_id: str, school_id: str, catalogue: CatalogueInfo) -> set[str]:
    """Rules of the signature pack: declared on or reading a signed-file table (catalogue), or
    with a finding whose entity is one (rules not in the summary, e.g. an older catalogue)."""
    codes = {c for c, r in catalogue.rules.items() if r.signing}
    marks = ", ".join("?" for _ in SIGNING_TABLES)
    codes |= {r[0] for r in con.execute(
        f"SELECT DISTINCT rule_code FROM findings WHERE run_id = ? AND school_id = ? AND entity IN ({marks})",
        [run_id, school_id, *SIGNING_TABLES]).fetchall()}
    return codes
