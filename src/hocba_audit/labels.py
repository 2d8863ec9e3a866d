"""Vietnamese labels for what reports show: tables, fields, subjects, entity keys.

One source of truth: a field's label is the header the national sector database export
(profile ``csdl_nganh``) gives it, else the one-workbook profile's (``smas_workbook``), else the
label the same field name has in another table; only fields that no profile names (the long
grade book's columns, the signed-file tables, helper columns) have a label written here
(``_OWN``). Subject and primary-item names come from ``audits/reference`` (the YAML the loader
normalises with). Nothing here imports more than the profiles and reference loaders.
"""

from __future__ import annotations

from functools import lru_cache

#: Profiles whose headers are Vietnamese words, most official first (``csv_long`` has
#: snake_case ASCII headers, so it is not a label source).
_PROFILE_ORDER = ("csdl_nganh", "smas_workbook")

#: Tables as reports name them.
TABLE_LABELS: dict[str, str] = {
    "schools": "Trường", "school_years": "Năm học", "classes": "Lớp học", "pupils": "Học sinh",
    "enrolments": "Học sinh theo lớp", "teachers": "Cán bộ, giáo viên",
    "teaching_assignments": "Phân công chuyên môn", "subjects": "Môn học", "marks": "Sổ điểm",
    "subject_results": "Kết quả môn học", "year_results": "Kết quả cả năm",
    "primary_evaluations": "Đánh giá tiểu học", "primary_results": "Kết quả tiểu học",
    "certificates": "Sổ đăng ký chứng thư số", "grade_edits": "Nhật ký sửa điểm",
    "signed_records": "Tệp học bạ đã ký", "record_signatures": "Chữ ký trên học bạ",
    "signed_values": "Giá trị đã ký", "certificate_files": "Tệp chứng thư số",
    "package_entries": "Gói đồng bộ",
}

#: Fields no Vietnamese profile header names (one entry per field, never a second copy).
_OWN: dict[tuple[str, str], str] = {
    ("*", "name_key"): "Khóa so khớp tên",
    ("*", "school_id"): "Mã trường",
    ("*", "src_file"): "Tệp",
    ("*", "role"): "Vai trò ký",
    ("*", "class_name"): "Lớp",
    ("subject_results", "average"): "Điểm trung bình môn",
    ("marks", "kind"): "Loại điểm",
    ("marks", "idx"): "Lần",
    ("marks", "value"): "Điểm",
    ("marks", "token"): "Điểm nhận xét (Đ/CĐ/Miễn)",
    ("marks", "semester"): "Học kì",
    ("subject_results", "period"): "Kỳ",
    ("subject_results", "level"): "Mức đánh giá (Đ/CĐ/Miễn)",
    ("subject_results", "retest_level"): "Mức đánh giá kiểm tra lại",
    ("primary_evaluations", "item_kind"): "Nhóm nội dung",
    ("primary_evaluations", "item_code"): "Nội dung đánh giá",
    ("primary_evaluations", "checkpoint"): "Thời điểm đánh giá",
    ("primary_evaluations", "level"): "Mức đạt được",
    ("primary_evaluations", "test_score"): "Điểm kiểm tra định kì",
    ("subjects", "subject_name"): "Tên môn học",
    ("subjects", "periods_per_year"): "Số tiết/năm",
    ("subjects", "assessment"): "Hình thức đánh giá",
    ("grade_edits", "subject_code"): "Môn học/nội dung",
    ("grade_edits", "period"): "Kỳ",
    ("grade_edits", "field"): "Cột điểm đã sửa",
    ("grade_edits", "old_value"): "Giá trị cũ",
    ("grade_edits", "new_value"): "Giá trị mới",
    ("grade_edits", "changed_at"): "Thời điểm sửa",
    ("grade_edits", "changed_by"): "Người sửa",
    ("signed_records", "record_id"): "Mã bản học bạ",
    ("signed_records", "record_school_id"): "Mã trường ghi trong học bạ",
    ("signed_records", "level"): "Cấp học",
    ("signed_records", "status"): "Trạng thái kiểm tra",
    ("signed_records", "schema_valid"): "Đúng cấu trúc",
    ("signed_records", "schema_errors"): "Lỗi cấu trúc",
    ("signed_records", "sha256"): "Mã băm SHA-256",
    ("signed_records", "size_bytes"): "Kích thước (byte)",
    ("signed_records", "explanation"): "Giải thích",
    ("record_signatures", "present"): "Có chữ ký",
    ("record_signatures", "indication"): "Kết quả kiểm tra chữ ký",
    ("record_signatures", "sub_indication"): "Chi tiết kết quả",
    ("record_signatures", "signing_time"): "Thời điểm ký",
    ("record_signatures", "signer_name"): "Người ký",
    ("record_signatures", "signer_id_kind"): "Loại giấy tờ của người ký",
    ("record_signatures", "signer_personal_id"): "Số định danh người ký",
    ("record_signatures", "signer_tax_code"): "Mã số thuế (con dấu)",
    ("record_signatures", "signer_budget_code"): "Mã quan hệ ngân sách (con dấu)",
    ("record_signatures", "cert_serial"): "Số sê-ri chứng thư",
    ("record_signatures", "cert_issuer"): "Tổ chức cấp chứng thư",
    ("record_signatures", "cert_not_after"): "Chứng thư hết hạn",
    ("record_signatures", "signature_method"): "Thuật toán ký",
    ("record_signatures", "explanation"): "Giải thích",
    ("record_signatures", "action"): "Việc cần làm",
    ("signed_values", "source_table"): "Bảng dữ liệu",
    ("signed_values", "row_key"): "Bản ghi",
    ("signed_values", "field"): "Trường dữ liệu",
    ("signed_values", "value"): "Giá trị đã ký",
    ("certificate_files", "subject_name"): "Chủ thể chứng thư",
    ("certificate_files", "id_kind"): "Loại định danh",
    ("certificate_files", "personal_id"): "Số định danh cá nhân",
    ("certificate_files", "serial"): "Số sê-ri",
    ("certificate_files", "issuer"): "Tổ chức cấp",
    ("certificate_files", "not_before"): "Hiệu lực từ",
    ("certificate_files", "not_after"): "Hiệu lực đến",
    ("certificate_files", "key_usage"): "Mục đích sử dụng khóa",
    ("certificate_files", "key_usage_ok"): "Dùng được để ký",
    ("certificate_files", "key_algorithm"): "Thuật toán khóa",
    ("certificate_files", "key_bits"): "Độ dài khóa (bit)",
    ("certificate_files", "chain_status"): "Trạng thái chuỗi tin cậy",
    ("certificate_files", "anchor_group"): "Nhóm gốc tin cậy",
    ("certificate_files", "revoked_at"): "Thời điểm thu hồi",
    ("certificate_files", "problem"): "Vấn đề",
    ("package_entries", "manifest_file"): "Tệp kê khai",
    ("package_entries", "listed_sha256"): "Mã băm kê khai",
    ("package_entries", "actual_sha256"): "Mã băm thực tế",
    ("package_entries", "in_manifest"): "Có trong tệp kê khai",
    ("package_entries", "on_disk"): "Có trong gói",
}

#: Fields labelled the same in every table (the label of their first profile header).
_SHARED = ("pupil_code", "school_year", "subject_code")

#: Values of key columns shown in words.
_SEMESTER = {"1": "I", "2": "II"}
_PERIOD = {"HK1": "HK I", "HK2": "HK II", "CN": "Cả năm"}
_CHECKPOINT = {"GK1": "Giữa HK I", "CK1": "Cuối HK I", "GK2": "Giữa HK II", "CN": "Cuối năm"}
ROLE_LABELS = {"GVCN": "Giáo viên chủ nhiệm", "HT": "Hiệu trưởng", "DonVi": "Con dấu của trường"}


@lru_cache(maxsize=1)
def _profile_labels() -> dict[tuple[str, str], str]:
    from hocba_audit import model
    from hocba_audit.profiles import load_profiles

    profiles = load_profiles()
    out: dict[tuple[str, str], str] = {}
    for name in _PROFILE_ORDER:
        p = profiles.get(name)
        if p is None:
            continue
        for src in p.sources:
            for fld, headers in src.columns.items():
                if not headers or fld.startswith("_"):
                    continue
                for t in src.targets:
                    if fld in model.table(t).column_names:
                        out.setdefault((t, fld), headers[0])
                        out.setdefault(("*", fld), headers[0])
    return out


def field_label(table: str | None, field: str | None) -> str:
    """The Vietnamese label of ``table.field``; a comma-joined list labels each field.

    >>> field_label("pupils", "personal_id")
    'Số định danh cá nhân'
    >>> field_label("marks", "value")
    'Điểm'
    """
    if not field:
        return ""
    if "," in field:
        return ", ".join(field_label(table, f.strip()) for f in field.split(","))
    key = (table or "*", field)
    own, prof = _OWN, _profile_labels()
    if key in own:
        return own[key]
    if field in _SHARED and ("*", field) in prof:
        return prof[("*", field)]
    if key in prof:
        return prof[key]
    if table:  # a field of another table (a rule reporting a joined column): that table's label
        from hocba_audit import model

        for t in model.TABLES:
            if t.name != table and field in t.column_names:
                label = own.get((t.name, field)) or prof.get((t.name, field))
                if label:
                    return label
    return own.get(("*", field)) or prof.get(("*", field)) or field


def finding_field_label(entity: str | None, key: str | None, field: str | None) -> str:
    """The label of a finding's field: a ``signed_values`` finding names a column of the table in
    its key (src_file|source_table|row_key|field), other findings a column of their entity."""
    if entity == "signed_values" and key and key.count("|") >= 3:
        return field_label(key.split("|")[1], field)
    return field_label(entity, field)


def table_label(table: str | None) -> str:
    return TABLE_LABELS.get(table or "", table or "")


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    from hocba_audit import normalize as n

    out = {i.code: i.name for i in n.primary_items()}
    out.update({s.code: s.name for s in n.subjects()})  # a subject wins over a same-coded item
    return out


def subject_name(code: str | None) -> str:
    """The Vietnamese name of a subject (or primary quality/competence) code; unknown codes
    are returned as given.

    >>> subject_name("TIN_HOC")
    'Tin học'
    """
    if not code:
        return ""
    return _names().get(code, code)


def _value_text(field: str, value: str) -> str:
    if field in ("subject_code", "item_code"):
        return subject_name(value)
    if field == "semester":
        return _SEMESTER.get(value, value)
    if field == "period":
        return _PERIOD.get(value, _CHECKPOINT.get(value, value))
    if field == "checkpoint":
        return _CHECKPOINT.get(value, value)
    if field == "role":
        return ROLE_LABELS.get(value, value)
    if field == "source_table":
        return table_label(value)
    return value


def key_fields(table: str | None) -> tuple[str, ...]:
    """The fields of an entity key as findings write it: the table's key without school_id."""
    from hocba_audit import model

    try:
        t = model.table(table or "")
    except KeyError:
        return ()
    return tuple(k for k in t.key if k != "school_id")


def entity_text(table: str | None, key: str | None) -> str:
    """An entity key ('2025-2026|0312345678|TIN_HOC|1|TX|2') in words:
    'Năm học 2025-2026; Mã định danh Bộ GD&ĐT 0312345678; Môn học Tin học; …'.

    A key that does not have the table's number of parts is returned unchanged. Masking is the
    caller's business (the result holds the same digits as the key).
    """
    if key is None:
        return ""
    fields = key_fields(table)
    parts = key.split("|")
    if table == "signed_values" and len(parts) >= 4:  # src_file|source_table|row_key…|field
        src, tab, fld = parts[0], parts[1], parts[-1]
        inner = entity_text(tab, "|".join(parts[2:-1]))
        return f"{field_label(table, 'src_file')} {src}; {table_label(tab)}: {inner}; {field_label(tab, fld)}"
    if not fields or len(parts) != len(fields):
        return key
    return "; ".join(f"{field_label(table, f)} {_value_text(f, v)}" for f, v in zip(fields, parts) if v != "")
