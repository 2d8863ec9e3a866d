"""The normalize_value contract: dispatch over model.KINDS, blanks, caching, params, docs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest

import hocba_audit.normalize as normalize
from hocba_audit import model
from hocba_audit.normalize import NORMALISERS, Note, Result, normalize_value

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "hocba_audit" / "normalize"
DOCS = ROOT / "docs" / "normalization.md"

CONTRACT_NAMES = [
    "Note", "Result", "normalize_value", "fold_key", "name_key", "canonical_tone",
    "detect_legacy", "tcvn3_to_unicode", "vni_to_unicode", "viqr_to_unicode", "unicode_to_tcvn3",
    "unicode_to_vni", "did_you_mean", "ethnic_groups", "subjects", "subject_name",
    "province_codes", "cccd_parts", "CccdParts", "cccd_consistent", "primary_items",
    "primary_item_code",
]

# One readable and one unreadable example per kind (enum needs a value map to fail).
EXAMPLES = {
    "text": ("Hải Phòng", "Hải Phòng", None),
    "name": ("Nguyễn Văn An", "Nguyễn Văn An", None),
    "code": ("31 00", "3100", None),
    "personal_id": ("031210000123", "031210000123", "12ab"),
    "date": ("15/02/2010", dt.date(2010, 2, 15), "hôm qua"),
    "datetime": ("15/01/2026 10:30", dt.datetime(2026, 1, 15, 10, 30), "hôm qua lúc 10 giờ"),
    "year": ("1980", 1980, "ba"),
    "school_year": ("2025-2026", "2025-2026", "2025"),
    "sex": ("Nữ", "Nữ", "?"),
    "ethnicity": ("Kinh", "01", "Xyzw"),
    "status": ("Đang học", "Đang học", "???"),
    "subject": ("Toán", "TOAN", "Qwerty"),
    "semester": ("HK1", 1, "HK9"),
    "grade": ("Khối 6", 6, "Khối"),
    "int": ("3", 3, "3.5"),
    "decimal": ("8.5", Decimal("8.5"), "tám"),
    "mark": ("8.5", (Decimal("8.5"), None), "xx"),
    "level": ("Tốt", "T", "Giỏi"),
    "enum": ("Công lập", "Công lập", None),
    "bool": ("Có", True, "?"),
    "item": ("Yêu nước", "YEU_NUOC", "Qwerty"),
}


def test_the_package_exports_the_contract_names():
    for name in CONTRACT_NAMES:
        assert hasattr(normalize, name), name
        assert name in normalize.__all__, name


def test_every_model_kind_has_a_normaliser_and_nothing_else():
    assert set(NORMALISERS) == set(model.KINDS)
    assert set(EXAMPLES) == set(model.KINDS)


@pytest.mark.parametrize("kind", sorted(model.KINDS))
def test_every_kind_reads_its_example(kind):
    raw, value, _ = EXAMPLES[kind]
    r = normalize_value(kind, raw)
    assert r.error is None and r.value == value


@pytest.mark.parametrize("kind", sorted(k for k, v in EXAMPLES.items() if v[2] is not None))
def test_every_kind_with_a_closed_form_rejects_junk_with_a_quoted_message(kind):
    raw = EXAMPLES[kind][2]
    r = normalize_value(kind, raw)
    assert r.error is not None and re.fullmatch(r"[a-z0-9_]+", r.error)
    assert r.value is None
    assert f"'{raw}'" in r.message


@pytest.mark.parametrize("kind", sorted(model.KINDS))
@pytest.mark.parametrize("raw", [None, "", "   ", "\u00a0", "\t\n"])
def test_every_kind_returns_an_empty_result_for_blank(kind, raw):
    assert normalize_value(kind, raw) == Result()


def test_unknown_kind_is_a_programming_error_with_a_hint():
    with pytest.raises(ValueError, match="did you mean 'date'"):
        normalize_value("dat", "15/02/2010")


def test_results_and_notes_are_frozen():
    r = normalize_value("decimal", "8,5")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.value = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.notes[0].code = "x"  # type: ignore[misc]
    assert Note("c", "m").suggestion is None


def test_repeated_values_come_from_the_cache():
    params = {"date_formats": ["%d/%m/%Y"]}
    first = normalize_value("mark", "7.75", params=params)
    assert normalize_value("mark", "7.75", params=params) is first
    assert normalize_value("mark", "7.75", params=dict(params)) is first  # equal params share


def test_a_new_value_map_is_not_served_from_an_old_cache_entry():
    params = {"value_map": {"A": "Công lập"}}
    assert normalize_value("enum", "A", params=params).value == "Công lập"
    params["value_map"] = {"A": "Ngoài công lập"}
    assert normalize_value("enum", "A", params=params).value == "Ngoài công lập"


def test_non_string_cells_are_read_through_their_text():
    assert normalize_value("mark", 8.5).value == (Decimal("8.5"), None)  # type: ignore[arg-type]
    assert normalize_value("int", 7).value == 7  # type: ignore[arg-type]
    day = dt.date(2010, 2, 15)
    assert normalize_value("date", day).value == day  # type: ignore[arg-type]
    stamp = dt.datetime(2010, 2, 15)
    assert normalize_value("date", stamp).value == dt.date(2010, 2, 15)  # type: ignore[arg-type]


def test_xlsx_rendered_numbers_read_as_the_column_kind():
    assert normalize_value("personal_id", "31210000123").value == "031210000123"
    assert normalize_value("grade", "10.0").value == 10
    assert normalize_value("ethnicity", "1.0").value == "01"
    assert normalize_value("semester", "2.0").value == 2
    assert normalize_value("date", "2010-02-15 00:00:00").value == dt.date(2010, 2, 15)


def test_params_irrelevant_to_a_kind_are_ignored():
    assert normalize_value("subject", "Toán", params={"value_map": {"x": "y"}}).value == "TOAN"


# ---- messages and docs --------------------------------------------------------------------


def _emitted_codes() -> set[str]:
    codes: set[str] = {"mojibake_tcvn3", "mojibake_vni", "mojibake_viqr"}
    pattern = re.compile(r'(?:Note|fail)\(\s*"([a-z0-9_]+)"')
    for path in SOURCE.glob("*.py"):
        codes.update(pattern.findall(path.read_text(encoding="utf-8")))
    return codes


def test_source_code_scan_finds_the_codes_of_the_brief():
    expected = {
        "mojibake_tcvn3", "mojibake_vni", "mojibake_viqr", "nfd_normalized", "whitespace_cleaned",
        "numeric_code", "scientific_notation", "leading_zero_restored", "leading_zero_lost",
        "cmnd_9_digits", "personal_id_not_digits", "excel_serial_date", "date_day_month_swapped",
        "invalid_date", "sex_unknown", "unknown_ethnicity", "unknown_status", "unknown_subject",
        "not_a_semester", "not_an_integer", "decimal_comma", "not_a_number", "invalid_mark",
        "unknown_level",
    }
    assert expected <= _emitted_codes()


def test_every_note_and_error_code_is_documented():
    documented = set(re.findall(r"^\| `([a-z0-9_]+)` \|", DOCS.read_text(encoding="utf-8"), re.M))
    missing = _emitted_codes() - documented
    assert not missing, f"codes missing from docs/normalization.md: {sorted(missing)}"


def test_every_kind_has_a_docs_section():
    text = DOCS.read_text(encoding="utf-8")
    for kind in model.KINDS:
        assert f"\n### {kind}\n" in text, kind


def test_source_files_are_small_and_start_with_a_one_line_docstring():
    for path in SOURCE.glob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) < 320, path.name
        assert lines[0].startswith('"""') and lines[0].endswith('"""'), path.name
        assert "from __future__ import annotations" in lines, path.name


def test_messages_are_vietnamese_nfc():
    samples = [
        normalize_value("sex", "0"), normalize_value("subject", "Toan hok"),
        normalize_value("text", "Hải\u00a0 Phòng"), normalize_value("personal_id", "31210000123"),
        normalize_value("date", "05/23/2010"), normalize_value("mark", "8,5"),
    ]
    for r in samples:
        texts = [r.message] if r.message else []
        texts += [n.message for n in r.notes]
        assert texts
        for t in texts:
            assert unicodedata.is_normalized("NFC", t)
            assert re.search(r"[ạảấầẩẫậắằẳẵặẹẻẽếềểễệịỉọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđ]", t), t
