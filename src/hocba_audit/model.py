"""The canonical data model: every school export is loaded into these DuckDB tables.

The model is declared here as data (``TABLES``); ``create_schema`` turns it into DDL and
``docs/data-model.md`` is generated from it (a test keeps the two in step). Each column has a
*kind* that selects its normaliser in the loader (``hocba_audit.normalize``). A column declared
with ``raw=True`` is stored twice: the normalised value, and the text exactly as the source had
it in ``<name>_raw``.

Every data table also carries provenance columns: ``school_id`` (the export it came from),
``src_file``, ``src_sheet`` and ``src_row`` (1-based row number as a spreadsheet shows it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Kinds of columns, and what the loader does with each.
KINDS: dict[str, str] = {
    "text": "free text: NFC, NBSP and repeated spaces folded, trimmed; legacy-encoding mojibake flagged",
    "name": "a person's name: as text, plus a match key (tone-canonical, stroke-folded, lower case)",
    "code": "an identifier read as text (never as a number); spaces removed",
    "personal_id": "12-digit personal ID (CCCD): as code; a lost leading zero restored when provably safe",
    "date": "a date: dd/mm/yyyy, yyyy-mm-dd, Excel serial numbers; a day/month swap flagged where detectable",
    "year": "a four-digit year (e.g. a parent's birth year)",
    "school_year": "a school year normalised to 'YYYY-YYYY' ('2025 - 2026', '2025/2026' accepted)",
    "sex": "'Nam' or 'Nữ' (0/1/2 national codes and spelling variants mapped by the profile)",
    "ethnicity": "two-digit official code of the 54 ethnic groups (55: Người nước ngoài)",
    "status": "pupil status: Đang học, Chuyển đi, Chuyển đến, Thôi học, Bảo lưu",
    "subject": "canonical subject code (spelling variants mapped through the alias table)",
    "semester": "1 or 2 (HK1/HK2, 'Học kì I' …)",
    "grade": "grade 1-12 (from 'Khối 6', '6', 'Lớp 6A' …)",
    "int": "a whole number",
    "decimal": "a number with a decimal point or comma",
    "mark": "a TT22 mark: a number 0-10 (decimal comma accepted) or a token Đ / CĐ / Miễn",
    "level": "an assessment level code (T, K, Đ, CĐ, H, C, HTXS, HTT, HT, CHT …), mapped by the profile",
    "enum": "a value from a closed list declared by the profile's value map",
    "bool": "yes/no (Có/Không, x, 1/0)",
    "item": "primary (TT 27) item code: a subject, quality (phẩm chất) or competence (năng lực) name or code",
    "datetime": "a date and time: dd/mm/yyyy hh:mm[:ss], ISO 8601 (local time, no zone), Excel serials",
}

#: Where a table's rows come from: a school's tabular export (through a profile), or the signed
#: files of the export (học bạ XML, certificate files, the sync-package manifest), read by
#: :mod:`hocba_audit.signing.load`.
SOURCES: dict[str, str] = {
    "export": "the school's tables (CSV/XLSX), through a vendor profile",
    "signed_files": "the export's signed học bạ XML, certificate files and package manifest",
}


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    kind: str
    meaning: str
    raw: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: unknown kind {self.kind!r}")


@dataclass(frozen=True)
class Table:
    name: str
    meaning: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    provenance: bool = True
    required: tuple[str, ...] = field(default=())
    source: str = "export"

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"table {self.name!r}: unknown source {self.source!r}")

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def physical_columns(self) -> list[tuple[str, str, str]]:
        """(name, SQL type, meaning) of every stored column, raw twins and provenance included."""
        out: list[tuple[str, str, str]] = []
        if self.provenance:
            out.append(("school_id", "VARCHAR", "the school export this row came from"))
        for c in self.columns:
            out.append((c.name, c.sql_type, c.meaning))
            if c.raw:
                out.append((f"{c.name}_raw", "VARCHAR", f"source text of {c.name}, unchanged"))
        if self.provenance:
            out += [
                ("src_file", "VARCHAR", "source file, relative to the export root"),
                ("src_sheet", "VARCHAR", "source sheet (XLSX) or empty (CSV)"),
                ("src_row", "INTEGER", "1-based source row number"),
            ]
        return out


def _c(name: str, sql_type: str, kind: str, meaning: str, raw: bool = False) -> Column:
    return Column(name, sql_type, kind, meaning, raw)


_PERSON = (
    _c("full_name", "VARCHAR", "name", "full name (họ và tên), NFC", raw=True),
    _c("name_key", "VARCHAR", "text", "match key of the name: tone-canonical, stroke-folded, lower case"),
    _c("birth_date", "DATE", "date", "date of birth", raw=True),
    _c("sex", "VARCHAR", "sex", "'Nam' or 'Nữ'", raw=True),
)

TABLES: tuple[Table, ...] = (
    Table(
        "schools",
        "one row per school export: the school and its identifiers",
        key=("school_id",),
        columns=(
            _c("school_name", "VARCHAR", "text", "school name (tên trường)", raw=True),
            _c("level", "VARCHAR", "enum", "TH, THCS, THPT, GDTX or an inter-level pair such as TH-THCS"),
            _c("commune_code", "VARCHAR", "code", "5-digit commune code (QĐ 19/2025) of the school"),
            _c("commune_name", "VARCHAR", "text", "commune, ward or special zone"),
            _c("province_code", "VARCHAR", "code", "2-digit statistical province code (Hải Phòng: 31)"),
            _c("tax_code", "VARCHAR", "code", "tax code (MST) of the school, as in its seal certificate"),
            _c("budget_code", "VARCHAR", "code", "budget-unit code (MNS) of a public school"),
            _c("ownership", "VARCHAR", "enum", "Công lập or Ngoài công lập"),
        ),
        required=("school_name",),
    ),
    Table(
        "school_years",
        "the school years an export covers, with their calendar",
        key=("school_id", "school_year"),
        columns=(
            _c("school_year", "VARCHAR", "school_year", "school year 'YYYY-YYYY'", raw=True),
            _c("start_date", "DATE", "date", "first day of the school year"),
            _c("hk2_start_date", "DATE", "date", "first day of semester II"),
            _c("end_date", "DATE", "date", "last day of the school year"),
        ),
        required=("school_year",),
    ),
    Table(
        "classes",
        "classes of a school year",
        key=("school_id", "school_year", "class_name"),
        columns=(
            _c("school_year", "VARCHAR", "school_year", "school year"),
            _c("class_name", "VARCHAR", "code", "class name as the school writes it (6A1, 10A2 …)"),
            _c("grade", "INTEGER", "grade", "grade 1-12", raw=True),
            _c("homeroom_teacher_code", "VARCHAR", "code", "teacher code of the GVCN"),
            _c("elective_bundle", "VARCHAR", "text", "THPT elective bundle (tổ hợp môn), if any"),
        ),
        required=("class_name",),
    ),
    Table(
        "pupils",
        "pupils (học sinh, học viên): one row per pupil of the export",
        key=("school_id", "pupil_code"),
        columns=(
            _c("pupil_code", "VARCHAR", "code", "MOET pupil code (mã định danh Bộ GD&ĐT)", raw=True),
            _c("personal_id", "VARCHAR", "personal_id", "12-digit personal ID (số định danh cá nhân)", raw=True),
            *_PERSON,
            _c("ethnicity_code", "VARCHAR", "ethnicity", "ethnic group code 01-54 (55 foreigner)", raw=True),
            _c("nationality", "VARCHAR", "text", "nationality (quốc tịch)"),
            _c("birthplace", "VARCHAR", "text", "place of birth (nơi sinh)"),
            _c("hometown", "VARCHAR", "text", "home town (quê quán)"),
            _c("address", "VARCHAR", "text", "current address (chỗ ở hiện nay)"),
            _c("father_name", "VARCHAR", "name", "father's full name"),
            _c("mother_name", "VARCHAR", "name", "mother's full name"),
            _c("guardian_name", "VARCHAR", "name", "guardian's full name, if any"),
            _c("status", "VARCHAR", "status", "Đang học, Chuyển đi, Chuyển đến, Thôi học or Bảo lưu", raw=True),
        ),
        required=("pupil_code", "full_name"),
    ),
    Table(
        "enrolments",
        "a pupil in a class in a school year, with transfer dates",
        key=("school_id", "school_year", "pupil_code"),
        columns=(
            _c("school_year", "VARCHAR", "school_year", "school year"),
            _c("pupil_code", "VARCHAR", "code", "MOET pupil code"),
            _c("class_name", "VARCHAR", "code", "class"),
            _c("status", "VARCHAR", "status", "status in this class and year", raw=True),
            _c("enrol_date", "DATE", "date", "date the pupil joined the class", raw=True),
            _c("transfer_out_date", "DATE", "date", "date the pupil left (chuyển đi, thôi học)", raw=True),
        ),
        required=("pupil_code", "class_name"),
    ),
    Table(
        "teachers",
        "teachers and school leaders",
        key=("school_id", "teacher_code"),
        columns=(
            _c("teacher_code", "VARCHAR", "code", "teacher code (mã giáo viên / mã định danh)", raw=True),
            _c("personal_id", "VARCHAR", "personal_id", "12-digit personal ID (CCCD)", raw=True),
            *_PERSON,
            _c("position", "VARCHAR", "enum", "Hiệu trưởng, Phó hiệu trưởng, Giáo viên or Nhân viên", raw=True),
            _c("subjects", "VARCHAR", "text", "subjects taught, as listed by the school"),
        ),
        required=("teacher_code", "full_name"),
    ),
    Table(
        "teaching_assignments",
        "who teaches which subject to which class (phân công chuyên môn)",
        key=("school_id", "school_year", "class_name", "subject_code", "semester"),
        columns=(
            _c("school_year", "VARCHAR", "school_year", "school year"),
            _c("class_name", "VARCHAR", "code", "class"),
            _c("subject_code", "VARCHAR", "subject", "canonical subject code", raw=True),
            _c("semester", "INTEGER", "semester", "1 or 2", raw=True),
            _c("teacher_code", "VARCHAR", "code", "teacher code"),
        ),
        required=("class_name", "subject_code", "teacher_code"),
    ),
    Table(
        "subjects",
        "subjects per level and grade, with periods per year and assessment mode",
        key=("school_id", "grade", "subject_code"),
        columns=(
            _c("grade", "INTEGER", "grade", "grade 1-12"),
            _c("subject_code", "VARCHAR", "subject", "canonical subject code"),
            _c("subject_name", "VARCHAR", "text", "Vietnamese subject name"),
            _c("periods_per_year", "INTEGER", "int", "periods per school year (tiết/năm)"),
            _c("assessment", "VARCHAR", "enum", "'điểm' (scored) or 'nhận xét' (comments only, Đ/CĐ)"),
        ),
        required=("subject_code",),
    ),
    Table(
        "marks",
        "the grade book in long form: one row per mark (TT 22)",
        key=("school_id", "school_year", "pupil_code", "subject_code", "semester", "kind", "idx"),
        columns=(
            _c("school_year", "VARCHAR", "school_year", "school year"),
            _c("pupil_code", "VARCHAR", "code", "MOET pupil code"),
            _c("class_name", "VARCHAR", "code", "class"),
            _c("subject_code", "VARCHAR", "subject", "canonical subject code", raw=True),
            _c("semester", "INTEGER", "semester", "1 or 2"),
            _c("kind", "VARCHAR", "enum", "TX (regular), GK (mid-term) or CK (end of term)"),
            _c("idx", "INTEGER", "int", "1-based index of the mark within its kind"),
            _c("value", "DECIMAL(5,2)", "mark", "the mark 0-10; NULL for a token or a blank", raw=True),
            _c("token", "VARCHAR", "mark", "Đ, CĐ or Miễn for comment-only subjects and exemptions"),
        ),
        required=("pupil_code", "subject_code"),
    ),
    Table(
        "subject_results",
        "per pupil, subject and period (HK1, HK2, CN): the recorded average or level",
        key=("school_id", "school_year", "pupil_code", "subject_code", "period"),
        columns=(
            _c("school_year", "VARCHAR", "school_year", "school year"),
            _c("pupil_code", "VARCHAR", "code", "MOET pupil code"),
            _c("class_name", "VARCHAR", "code", "class"),
            _c("subject_code", "VARCHAR", "subject", "canonical subject code", raw=True),
            _c("period", "VARCHAR", "enum", "HK1, HK2 or CN (whole year)"),
            _c("average", "DECIMAL(5,2)", "mark", "recorded ĐTBmhk / ĐTBmcn", raw=True),
            _c("level", "VARCHAR", "mark", "Đ, CĐ or Miễn for comment-only subjects"),
            _c("retest", "DECIMAL(5,2)", "mark", "re-test mark (kiểm tra lại), if any", raw=True),
            _c("retest_level", "VARCHAR", "mark", "re-test level Đ/CĐ, if any"),
        ),
        required=("pupil_code", "subject_code"),
    ),
    Table(
        "year_results",
        "per pupil and school year: conduct, academic result, absences, decision, award (TT 22)",
        key=("school_id", "school_year", "pupil_code"),
        columns=(
            _c("school_year", "VARCHAR", "school_year", "school year"),
            _c("pupil_code", "VARCHAR", "code", "MOET pupil code"),
            _c("class_name", "VARCHAR", "code", "class"),
            _c("conduct_hk1", "VARCHAR", "level", "kết quả rèn luyện HK I: T, K, Đ, CĐ", raw=True),
            _c("conduct_hk2", "VARCHAR", "level", "kết quả rèn luyện HK II", raw=True),
            _c("conduct_year", "VARCHAR", "level", "kết quả rèn luyện cả năm", raw=True),
            _c("academic_hk1", "VARCHAR", "level", "kết quả học tập HK I: T, K, Đ, CĐ", raw=True),
            _c("academic_hk2", "VARCHAR", "level", "kết quả học tập HK II", raw=True),
            _c("academic_year", "VARCHAR", "level", "kết quả học tập cả năm", raw=True),
            _c("absences", "INTEGER", "int", "sessions absent in the year (buổi nghỉ)", raw=True),
            _c("summer_conduct", "VARCHAR", "level", "conduct after summer training, if any", raw=True),
            _c("retest_academic", "VARCHAR", "level", "academic result after re-tests, if any", raw=True),
            _c("decision", "VARCHAR", "enum",
               "Lên lớp, Lên lớp sau kiểm tra lại/rèn luyện hè, Ở lại lớp, "
               "Hoàn thành chương trình, Chưa hoàn thành chương trình", raw=True),
            _c("award", "VARCHAR", "enum", "Học sinh Xuất sắc, Học sinh Giỏi or empty", raw=True),
        ),
        required=("pupil_code",),
    ),
    Table(
        "primary_evaluations",
        "primary (TT 27): subject levels and test marks, qualities and competences, per checkpoint",
        key=("school_id", "school_year", "pupil_code", "item_kind", "item_code", "checkpoint"),
        columns=(
            _c("school_year", "VARCHAR", "school_year", "school year"),
            _c("pupil_code", "VARCHAR", "code", "MOET pupil code"),
            _c("class_name", "VARCHAR", "code", "class"),
            _c("item_kind", "VARCHAR", "enum", "môn học (subject), phẩm chất (quality) or năng lực (competence)"),
            _c("item_code", "VARCHAR", "item", "subject code, or quality/competence code", raw=True),
            _c("checkpoint", "VARCHAR", "enum", "GK1, CK1, GK2 or CN (mid/end of semester I, mid-II, year end)"),
            _c("level", "VARCHAR", "level", "T/H/C for subjects, T/Đ/C for qualities and competences", raw=True),
            _c("test_score", "DECIMAL(5,2)", "decimal", "periodic test mark (integer 1-10 expected)", raw=True),
        ),
        required=("pupil_code", "item_code"),
    ),
    Table(
        "primary_results",
        "primary (TT 27): year result, completion and award per pupil",
        key=("school_id", "school_year", "pupil_code"),
        columns=(
            _c("school_year", "VARCHAR", "school_year", "school year"),
            _c("pupil_code", "VARCHAR", "code", "MOET pupil code"),
            _c("class_name", "VARCHAR", "code", "class"),
            _c("overall", "VARCHAR", "level", "HTXS, HTT, HT or CHT", raw=True),
            _c("completed_grade", "BOOLEAN", "bool", "hoàn thành chương trình lớp học", raw=True),
            _c("completed_primary", "BOOLEAN", "bool", "hoàn thành chương trình tiểu học (grade 5)", raw=True),
            _c("award", "VARCHAR", "enum", "Học sinh Xuất sắc, Học sinh Tiêu biểu or empty", raw=True),
            _c("absences_excused", "INTEGER", "int", "days absent with permission"),
            _c("absences_unexcused", "INTEGER", "int", "days absent without permission"),
        ),
        required=("pupil_code",),
    ),
    Table(
        "certificates",
        "signing-certificate registry: which certificate file belongs to a teacher or the school",
        key=("school_id", "holder_kind", "holder_code", "cert_file"),
        columns=(
            _c("holder_kind", "VARCHAR", "enum", "giáo viên (a person) or trường (the school seal)"),
            _c("holder_code", "VARCHAR", "code", "teacher code, or the school id for the seal"),
            _c("cert_file", "VARCHAR", "text", "certificate file, relative to the export root"),
            _c("serial", "VARCHAR", "code", "certificate serial number as registered"),
        ),
        required=("holder_code", "cert_file"),
    ),
    Table(
        "grade_edits",
        "grade-book edit log (nhật ký sửa điểm): every change of a mark or result after entry",
        key=("school_id", "school_year", "pupil_code", "subject_code", "period", "field", "changed_at"),
        columns=(
            _c("school_year", "VARCHAR", "school_year", "school year"),
            _c("class_name", "VARCHAR", "code", "class"),
            _c("pupil_code", "VARCHAR", "code", "MOET pupil code"),
            _c("subject_code", "VARCHAR", "code", "subject (TT 22) or item (TT 27) code that changed"),
            _c("period", "VARCHAR", "code", "HK1, HK2, CN (TT 22) or GK1, CK1, GK2, CN (TT 27)"),
            _c("field", "VARCHAR", "code", "what changed: TX1…TX4, GK, CK, TB, level, test_score …"),
            _c("old_value", "VARCHAR", "text", "value before the change"),
            _c("new_value", "VARCHAR", "text", "value after the change"),
            _c("changed_at", "TIMESTAMP", "datetime", "when it changed (local time)", raw=True),
            _c("changed_by", "VARCHAR", "code", "account or teacher code that made the change"),
        ),
        required=("pupil_code", "changed_at"),
    ),
    Table(
        "signed_records",
        "one row per học bạ XML file in the export: what it is and its overall verification status",
        key=("school_id", "src_file"),
        source="signed_files",
        columns=(
            _c("record_id", "VARCHAR", "code", "Id of the signed data block"),
            _c("record_school_id", "VARCHAR", "code", "school code written in the record (MaTruong)"),
            _c("school_year", "VARCHAR", "school_year", "school year of the record"),
            _c("pupil_code", "VARCHAR", "code", "pupil code of the record"),
            _c("class_name", "VARCHAR", "code", "class of the record"),
            _c("level", "VARCHAR", "enum", "TH, THCS, THPT or GDTX, from the record"),
            _c("status", "VARCHAR", "enum", "VALID, INCOMPLETE, INVALID, INDETERMINATE, SCHEMA_INVALID, UNREADABLE"),
            _c("schema_valid", "BOOLEAN", "bool", "the file validates against the configured schema"),
            _c("schema_errors", "VARCHAR", "text", "located schema messages (element path: problem), '; '-joined"),
            _c("sha256", "VARCHAR", "code", "SHA-256 of the file bytes (hex)"),
            _c("size_bytes", "BIGINT", "int", "file size"),
            _c("explanation", "VARCHAR", "text", "plain Vietnamese explanation of the status"),
        ),
    ),
    Table(
        "record_signatures",
        "one row per role slot (GVCN, HT, DonVi) of every học bạ XML: verdict, signer, signing time",
        key=("school_id", "src_file", "role"),
        source="signed_files",
        columns=(
            _c("school_year", "VARCHAR", "school_year", "school year of the record"),
            _c("pupil_code", "VARCHAR", "code", "pupil code of the record"),
            _c("class_name", "VARCHAR", "code", "class of the record"),
            _c("role", "VARCHAR", "enum", "GVCN, HT or DonVi (school seal)"),
            _c("present", "BOOLEAN", "bool", "the slot holds a signature"),
            _c("indication", "VARCHAR", "enum", "TOTAL_PASSED, INDETERMINATE or TOTAL_FAILED (ETSI EN 319 102-1)"),
            _c("sub_indication", "VARCHAR", "enum", "ETSI sub-indication, e.g. HASH_FAILURE, REVOKED"),
            _c("signing_time", "TIMESTAMP", "datetime", "SigningTime of the signature (local time)"),
            _c("signer_name", "VARCHAR", "text", "CN of the signing certificate"),
            _c("signer_id_kind", "VARCHAR", "enum", "CCCD, CMND, MST or MNS: the UID kind in the certificate"),
            _c("signer_personal_id", "VARCHAR", "code", "CCCD (12 digits) or CMND (9) of a personal certificate"),
            _c("signer_tax_code", "VARCHAR", "code", "MST of a seal certificate"),
            _c("signer_budget_code", "VARCHAR", "code", "MNS of a seal certificate"),
            _c("cert_serial", "VARCHAR", "code", "serial number of the signing certificate (hex)"),
            _c("cert_issuer", "VARCHAR", "text", "issuer CN of the signing certificate"),
            _c("cert_not_after", "TIMESTAMP", "datetime", "end of validity of the signing certificate"),
            _c("signature_method", "VARCHAR", "code", "signature algorithm URI"),
            _c("explanation", "VARCHAR", "text", "plain Vietnamese explanation of the verdict"),
            _c("action", "VARCHAR", "text", "what to do, in Vietnamese"),
        ),
    ),
    Table(
        "signed_values",
        "every value the signatures of a học bạ XML cover, in canonical form, for the grade-book cross-check",
        key=("school_id", "src_file", "source_table", "row_key", "field"),
        source="signed_files",
        columns=(
            _c("school_year", "VARCHAR", "school_year", "school year of the record"),
            _c("pupil_code", "VARCHAR", "code", "pupil code of the record"),
            _c("source_table", "VARCHAR", "code", "canonical table the value belongs to (subject_results …)"),
            _c("row_key", "VARCHAR", "text", "that table's key without school_id, '|'-joined (as findings.entity_key)"),
            _c("field", "VARCHAR", "code", "canonical column name"),
            _c("value", "VARCHAR", "text", "the value as the record states it (canonical text form)"),
        ),
    ),
    Table(
        "certificate_files",
        "every certificate file in the export (.cer/.crt/.pem/.der): identity, validity, key usage, trust",
        key=("school_id", "src_file"),
        source="signed_files",
        columns=(
            _c("subject_name", "VARCHAR", "text", "CN of the certificate subject"),
            _c("id_kind", "VARCHAR", "enum", "CCCD, CMND, MST or MNS (first UID found; seals may carry both)"),
            _c("personal_id", "VARCHAR", "code", "CCCD or CMND of a personal certificate"),
            _c("tax_code", "VARCHAR", "code", "MST of a seal certificate"),
            _c("budget_code", "VARCHAR", "code", "MNS of a seal certificate"),
            _c("serial", "VARCHAR", "code", "serial number (hex, upper case)"),
            _c("issuer", "VARCHAR", "text", "issuer CN"),
            _c("not_before", "TIMESTAMP", "datetime", "start of validity (UTC)"),
            _c("not_after", "TIMESTAMP", "datetime", "end of validity (UTC)"),
            _c("key_usage", "VARCHAR", "text", "key usages, ','-joined (digitalSignature, nonRepudiation …)"),
            _c("key_usage_ok", "BOOLEAN", "bool", "usable to sign records (digitalSignature or nonRepudiation; not a CA)"),
            _c("key_algorithm", "VARCHAR", "code", "RSA or EC"),
            _c("key_bits", "INTEGER", "int", "key size in bits"),
            _c("chain_status", "VARCHAR", "enum", "TRUSTED, NO_CHAIN, UNTRUSTED_ROOT, REVOKED or UNREADABLE"),
            _c("anchor_group", "VARCHAR", "code", "trust-anchor group the chain ends in (national, government)"),
            _c("revoked_at", "TIMESTAMP", "datetime", "revocation time from the offline CRLs, if revoked"),
            _c("problem", "VARCHAR", "text", "why the file could not be read, in Vietnamese"),
        ),
    ),
    Table(
        "package_entries",
        "the yearly sync package: its manifest's lines joined with the học bạ XML files present",
        key=("school_id", "src_file"),
        source="signed_files",
        columns=(
            _c("manifest_file", "VARCHAR", "text", "manifest the entry comes from (NULL: file not in any manifest)"),
            _c("listed_sha256", "VARCHAR", "code", "SHA-256 the manifest states"),
            _c("actual_sha256", "VARCHAR", "code", "SHA-256 of the file as found (NULL: file missing)"),
            _c("in_manifest", "BOOLEAN", "bool", "the manifest lists the file"),
            _c("on_disk", "BOOLEAN", "bool", "the file is present in the export"),
        ),
    ),
)

#: Tables the loader and the rule engine write about a run (not school data). ``run_settings``:
#: the effective value of every audit setting of the run (``runner.run_rules``), as text.
RUN_TABLES: dict[str, str] = {
    "runs": """
        run_id VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP, tool_version VARCHAR,
        exports_dir VARCHAR, parameters VARCHAR""",
    "manifest": """
        run_id VARCHAR, school_id VARCHAR, export VARCHAR, file VARCHAR, sheet VARCHAR,
        sha256 VARCHAR, size_bytes BIGINT, profile VARCHAR, source VARCHAR, encoding VARCHAR,
        header_row INTEGER, rows_read INTEGER, rows_loaded INTEGER, rows_rejected INTEGER,
        status VARCHAR, error VARCHAR""",
    "rejected_rows": """
        run_id VARCHAR, school_id VARCHAR, file VARCHAR, sheet VARCHAR, row_number INTEGER,
        field VARCHAR, reason_code VARCHAR, reason VARCHAR, raw_row VARCHAR""",
    "load_errors": """
        run_id VARCHAR, school_id VARCHAR, export VARCHAR, file VARCHAR, sheet VARCHAR,
        severity VARCHAR, error_code VARCHAR, message VARCHAR""",
    "normalization_notes": """
        run_id VARCHAR, school_id VARCHAR, "table" VARCHAR, file VARCHAR, sheet VARCHAR,
        row_number INTEGER, field VARCHAR, note_code VARCHAR, message VARCHAR, raw VARCHAR,
        value VARCHAR, suggestion VARCHAR""",
    "findings": """
        run_id VARCHAR, school_id VARCHAR, rule_code VARCHAR, severity VARCHAR,
        entity VARCHAR, entity_key VARCHAR, field VARCHAR, bad_value VARCHAR,
        message VARCHAR, fix VARCHAR, src_file VARCHAR, src_sheet VARCHAR, src_row INTEGER""",
    "rule_results": """
        run_id VARCHAR, school_id VARCHAR, rule_code VARCHAR, severity VARCHAR,
        checked BIGINT, failing BIGINT, rate DOUBLE, outcome VARCHAR, error VARCHAR""",
    "run_settings": """
        run_id VARCHAR, name VARCHAR, value VARCHAR, default_value VARCHAR, is_default BOOLEAN""",
}

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def table(name: str) -> Table:
    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        raise KeyError(f"no canonical table {name!r}; known: {', '.join(TABLES_BY_NAME)}") from None


def ddl() -> list[str]:
    """CREATE TABLE statements for the canonical and run tables (idempotent)."""
    out = []
    for t in TABLES:
        cols = ", ".join(f'"{n}" {ty}' for n, ty, _ in t.physical_columns())
        out.append(f'CREATE TABLE IF NOT EXISTS "{t.name}" ({cols})')
    for name, cols in RUN_TABLES.items():
        out.append(f'CREATE TABLE IF NOT EXISTS "{name}" ({" ".join(cols.split())})')
    return out


def create_schema(con) -> None:
    """Create every canonical and run table in a DuckDB connection."""
    for stmt in ddl():
        con.execute(stmt)
