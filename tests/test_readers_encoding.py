"""How a CSV's encoding is decided (readers.decode_csv_bytes): Windows-1258 without tone marks is
not taken for Windows-1252, TCVN3/VNI still is, and an undecidable file is reported, not guessed
silently."""

from __future__ import annotations

import unicodedata

import pytest

from exports_kit import fresh_db
from hocba_audit.errors import LoadError
from hocba_audit.exports import discover_exports
from hocba_audit.ingest import load_export
from hocba_audit.normalize import unicode_to_tcvn3
from hocba_audit.profiles import load_profiles
from hocba_audit.readers import decode_csv_bytes, read_csv
from hocba_audit.writers import encode_cp1258


def codes(notes: list[tuple[str, str]]) -> list[str]:
    return [code for code, _ in notes]


# Only the single-byte Vietnamese letters of Windows-1258 (Đ đ Ơ ơ Ư ư Ă ă): no combining
# tone mark anywhere, as in a grade-edit log of codes, numbers and a few untoned names.
UNTONED = ("ma_hs;ho_ten;mon;diem_cu;diem_moi;ghi_chu\r\n"
           "3100000001;Lương Văn Đông;Toán;7,5;8,0;Theo đơn\r\n"
           "3100000002;Đinh Thu Phương;Văn;6,0;6,5;ĐĐGtx\r\n"
           "3100000003;Trương Ơn;Tin;8;9;Ưu tiên\r\n")
TONED = ("ma_can_bo;ho_ten;chuc_vu\r\n"
         "GV01;Phạm Thị Hường;HT\r\nGV02;Đỗ Quốc Việt;GV\r\nGV03;Nguyễn Ngọc Ánh;GV\r\n")


def test_cp1258_with_only_single_byte_vietnamese_letters_is_read_as_cp1258():
    data = encode_cp1258(UNTONED)
    assert not set(data) & {0xCC, 0xEC, 0xDE, 0xD2, 0xF2}  # no combining tone mark: the reported case
    text, encoding, notes = decode_csv_bytes(data, "sua_diem.csv")
    assert text == UNTONED
    assert "\u00d0" not in text and "Đông" in text  # not the Icelandic eth
    assert encoding == "cp1258"
    assert codes(notes) == ["encoding_cp1258"]
    sheet = read_csv(data, "sua_diem.csv")
    assert sheet.encoding == "cp1258"
    assert sheet.frame["c1"].to_list()[1:] == ["Lương Văn Đông", "Đinh Thu Phương", "Trương Ơn"]


def test_cp1258_with_tone_marks_still_works_even_with_a_stray_mark_on_a_consonant():
    text, encoding, notes = decode_csv_bytes(encode_cp1258(TONED), "canbo.csv")
    assert (text, encoding, codes(notes)) == (TONED, "cp1258", ["encoding_cp1258"])
    assert text == unicodedata.normalize("NFC", text)
    # One mistyped cell (a hook above after a consonant) must not throw the whole file to 1252.
    data = encode_cp1258(TONED) + b"GV04;Ng\xd2 Minh;GV\r\n"
    text, encoding, notes = decode_csv_bytes(data, "canbo.csv")
    assert text.startswith(TONED)
    # ... but in a file this small one odd word in nine is worth a look: reported, with its line.
    assert encoding == "cp1258?"
    assert codes(notes) == ["encoding_cp1258", "encoding_ambiguous"]
    assert "không giống tiếng Việt theo cả hai cách đọc (1 từ, đầu tiên ở dòng 5)" in notes[1][1]
    # In a longer file the same odd word is noise: plain cp1258, no warning.
    more = "".join(f"GV1{i};{name};GV\r\n" for i, name in enumerate(
        ["Lê Thị Thuỳ", "Vũ Đình Khải", "Hoàng Mỹ Duyên", "Bùi Quang Triệu", "Đặng Hữu Lộc"]))
    data = encode_cp1258(TONED + more) + b"GV04;Ng\xd2 Minh;GV\r\n"
    text, encoding, notes = decode_csv_bytes(data, "canbo.csv")
    assert (encoding, codes(notes)) == ("cp1258", ["encoding_cp1258"])


def test_utf8_with_and_without_bom_and_a_broken_bom_file_is_reported_not_raised():
    assert decode_csv_bytes(UNTONED.encode("utf-8"), "a.csv") == (UNTONED, "utf-8", [])
    assert decode_csv_bytes(b"\xef\xbb\xbf" + TONED.encode("utf-8"), "a.csv") == (TONED, "utf-8-sig", [])
    # A BOM promises UTF-8; one bad byte used to escape as UnicodeDecodeError and stop the export.
    data = b"\xef\xbb\xbf" + TONED.encode("utf-8") + b"GV04;Tr\xe2n;GV\r\n"
    text, encoding, notes = decode_csv_bytes(data, "a.csv")
    assert encoding == "utf-8-sig"
    assert text.startswith(TONED) and "Tr\ufffdn" in text
    assert codes(notes) == ["encoding_invalid_bytes"]
    assert "dòng 5" in notes[0][1]


def test_utf16_without_bom_is_recognised_by_its_nul_bytes():
    for codec in ("utf-16-le", "utf-16-be"):
        text, encoding, notes = decode_csv_bytes(TONED.encode(codec), "a.csv")
        assert (text, encoding, notes) == (TONED, codec, [])
    assert decode_csv_bytes("\ufeff".encode("utf-16-le") + TONED.encode("utf-16-le"), "a.csv")[:2] == (TONED,
                                                                                                     "utf-16")


def test_a_file_that_cannot_be_decided_is_read_as_cp1258_and_reported_as_ambiguous():
    # 'Đ' / 'CĐ' (primary marks) read as 1258; as 1252 they are 'Ð' / 'CÐ', which TCVN3 maps to
    # 'é' / 'Cé': nothing in the file tells the two apart.
    data = encode_cp1258("ma_hs;mon;muc\r\n3100000001;TNXH;Đ\r\n3100000002;TNXH;CĐ\r\n")
    text, encoding, notes = decode_csv_bytes(data, "diem.csv")
    assert text.splitlines()[1:] == ["3100000001;TNXH;Đ", "3100000002;TNXH;CĐ"]
    assert encoding == "cp1258?"
    assert codes(notes) == ["encoding_cp1258", "encoding_ambiguous"]
    assert "hợp lý theo cả hai cách đọc (2 từ, đầu tiên ở dòng 2)" in notes[1][1]


def test_a_file_mixing_cp1258_words_and_tcvn3_words_is_reported_as_ambiguous():
    tcvn3 = unicode_to_tcvn3("Nguyễn Thị Hường").encode("cp1252")
    data = encode_cp1258("ma;ho_ten\r\n1;Lương Văn Đông\r\n") + b"2;" + tcvn3 + b"\r\n"
    text, encoding, notes = decode_csv_bytes(data, "hs.csv")
    assert encoding.endswith("?")
    assert "encoding_ambiguous" in codes(notes)
    message = dict(notes)["encoding_ambiguous"]
    assert "Windows-1258" in message and "TCVN3/VNI" in message and "dòng 3" in message


def test_tcvn3_stays_cp1252_and_a_western_file_is_not_taken_for_vietnamese():
    tcvn3 = ("ma;ho_ten\r\n1;" + unicode_to_tcvn3("Nguyễn Thị Hường") + "\r\n2;"
             + unicode_to_tcvn3("Trần Đức Thắng") + "\r\n")
    text, encoding, notes = decode_csv_bytes(tcvn3.encode("cp1252"), "hs.csv")
    assert (text, encoding, codes(notes)) == (tcvn3, "cp1252?", ["encoding_legacy_8bit"])
    # Icelandic letters are Đ/Ư/combining tilde in 1258, yet no Vietnamese word: read as 1252, reported.
    western = "name;city\r\nÞórður Ðaðason;Reykjavík\r\n"
    text, encoding, notes = decode_csv_bytes(western.encode("cp1252"), "x.csv")
    assert (text, encoding) == (western, "cp1252?")
    assert codes(notes) == ["encoding_legacy_8bit", "encoding_ambiguous"]


def test_an_encoding_given_by_the_caller_wins():
    data = encode_cp1258("ma;muc\r\n1;Đ\r\n")
    sheet = read_csv(data, "diem.csv", encoding="cp1258")
    assert (sheet.encoding, sheet.notes) == ("cp1258", [])
    assert sheet.frame["c1"].to_list() == ["muc", "Đ"]
    sheet = read_csv(b"ma;muc\r\n1;\x81\r\n", "diem.csv", encoding="cp1258")
    assert [c for c, _ in sheet.notes] == ["encoding_invalid_bytes"]
    with pytest.raises(LoadError) as exc:
        read_csv(data, "diem.csv", encoding="tcvn3")
    assert exc.value.code == "unknown_encoding"


def test_loader_keeps_untoned_cp1258_names_and_records_the_encoding(tmp_path):
    exp = tmp_path / "x" / "31000002_2025-2026"
    exp.mkdir(parents=True)
    text = "ma_can_bo;ho_ten;chuc_vu\r\nGV01;Lương Văn Đông;HT\r\nGV02;Trương Thu Phương;GV\r\n"  # no tone marks
    (exp / "canbo.csv").write_bytes(encode_cp1258(text))
    con = fresh_db()
    for e in discover_exports(exp.parent):
        load_export(con, e, "r1", load_profiles())
    names = [r[0] for r in con.execute("SELECT full_name FROM teachers ORDER BY teacher_code").fetchall()]
    assert names == ["Lương Văn Đông", "Trương Thu Phương"]
    assert con.execute("SELECT encoding FROM manifest").fetchall() == [("cp1258",)]
    errs = con.execute("SELECT error_code, severity FROM load_errors WHERE file = 'canbo.csv'").fetchall()
    assert errs == [("encoding_cp1258", "cảnh báo")]


# -- the profile's read encoding (csv.read_encoding, used by ingest) --------------------------------

STRAY = encode_cp1258(TONED) + b"GV04;Ng\xd2 Minh;GV\r\n"   # guessed 'cp1258?' (see above)


def _profile_dir(tmp_path, read_encoding: str) -> dict:
    """The shipped profiles, csv_long with ``csv: {..., read_encoding: ...}`` (YAML flow text)."""
    import shutil
    from pathlib import Path

    src = Path(load_profiles()["csv_long"].path).parent
    out = tmp_path / "profiles"
    shutil.copytree(src, out)
    p = out / "csv_long.yaml"
    old = 'csv: {delimiter: ";", encoding: "utf-8-sig"}'
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, f'csv: {{delimiter: ";", encoding: "utf-8-sig", read_encoding: {read_encoding}}}'),
                 encoding="utf-8")
    return load_profiles(out)


def _load(tmp_path, files: dict[str, bytes], profiles: dict):
    exp = tmp_path / "x" / "31000002_2025-2026"
    exp.mkdir(parents=True)
    for name, data in files.items():
        (exp / name).write_bytes(data)
    con = fresh_db()
    for e in discover_exports(exp.parent):
        load_export(con, e, "r1", profiles)
    return con


def test_profile_read_encoding_reads_8bit_files_without_guessing_and_leaves_unicode_files_alone(tmp_path):
    assert decode_csv_bytes(STRAY, "canbo.csv")[1] == "cp1258?"
    subjects = "ma_mon;ten_mon\r\nTOAN;Toán học\r\n"
    con = _load(tmp_path, {"canbo.csv": STRAY, "monhoc.csv": b"\xef\xbb\xbf" + subjects.encode("utf-8"),
                           "lop.csv": "ma_lop;ten_lop\r\n7A1;Lớp 7A1\r\n".encode("utf-8")},
                _profile_dir(tmp_path, "windows-1258"))
    enc = dict(con.execute("SELECT file, encoding FROM manifest").fetchall())
    assert enc == {"canbo.csv": "cp1258", "monhoc.csv": "utf-8-sig", "lop.csv": "utf-8"}
    errs = con.execute("SELECT error_code, severity, message FROM load_errors WHERE file = 'canbo.csv'").fetchall()
    assert [(c, s) for c, s, _ in errs] == [("encoding_profile", "cảnh báo")]  # no 'encoding_ambiguous'
    assert "cp1258" in errs[0][2] and "csv.read_encoding" in errs[0][2] and "cp1258?" in errs[0][2]
    names = [r[0] for r in con.execute("SELECT full_name FROM teachers ORDER BY teacher_code").fetchall()]
    assert names[:3] == ["Phạm Thị Hường", "Đỗ Quốc Việt", "Nguyễn Ngọc Ánh"]


def test_profile_read_encoding_by_source_and_bad_values(tmp_path):
    from hocba_audit.profiles import read_encoding_problems

    profiles = _profile_dir(tmp_path, '{staff: cp1252, "*": cp1258}')
    con = _load(tmp_path, {"canbo.csv": STRAY}, profiles)
    assert con.execute("SELECT encoding FROM manifest").fetchall() == [("cp1252",)]
    sources = [s.name for s in profiles["csv_long"].sources]
    assert read_encoding_problems({"read_encoding": {"staff": "cp1258", "*": "cp1252"}}, sources) == []
    problems = read_encoding_problems({"read_encoding": {"staf": "cp1258", "marks": "tcvn3", "pupils": "utf-8",
                                                         "classes": "rot13", "subjects": 5}}, sources)
    assert len(problems) == 5
    assert "no source named 'staf'" in problems[0] and "TCVN3" in problems[1] and "Unicode" in problems[2]
    assert "not a text encoding" in problems[3] and "missing" in problems[4]
    assert read_encoding_problems({"read_encoding": ["cp1258"]}, sources)
    # A malformed key stops the profile from loading (hocba-audit profiles, load_profiles) ...
    from hocba_audit.errors import ProfileError

    with pytest.raises(ProfileError, match="unknown encoding 'tcvn3'"):
        _profile_dir(tmp_path / "bad", "tcvn3")
    # ... and a profile that bypassed validation still guesses nothing: each CSV file is an error
    import dataclasses

    good = profiles["csv_long"]
    bad = {"csv_long": dataclasses.replace(good, csv={**good.csv, "read_encoding": "tcvn3"})}
    con = _load(tmp_path / "bad", {"canbo.csv": STRAY}, bad)
    assert con.execute("SELECT error_code FROM load_errors").fetchall() == [("profile_read_encoding",)]
    assert con.execute("SELECT status FROM manifest").fetchall() == [("error",)]
