"""How the sync package's manifest (hoc_ba/manifest.csv) is decoded: as any CSV file of the export
(readers.decode_csv_bytes), not by trying UTF-16 blindly, which succeeds on almost any even number of
bytes and turned a Windows-1258 manifest into garbage."""

from __future__ import annotations

import hashlib
from pathlib import Path

from exports_kit import fresh_db

from hocba_audit.exports import discover_exports
from hocba_audit.signing.load import load_signed_files
from hocba_audit.signing.package import decode_manifest, read_manifest
from hocba_audit.signing.trust import TrustStore
from hocba_audit.writers import encode_cp1258

M = "hoc_ba/manifest.csv"
# Tone marks other than the tilde, and no Ư: bytes 0xD8-0xDF at an odd offset would make these
# bytes invalid as UTF-16 (a lone surrogate), and the trap below needs them valid.
NAMES = ("Đặng Thị Hương.xml", "Lê Văn Đức.xml", "Phạm Ánh Hồng.xml")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_text(names=NAMES) -> str:
    return "file,sha256,size_bytes\r\n" + "".join(f"{n},{sha(n.encode())},{len(n.encode())}\r\n" for n in names)


def even_cp1258(text: str) -> bytes:
    """``text`` in Windows-1258 with an even number of bytes (a trailing blank line if needed)."""
    data = encode_cp1258(text)
    return data if len(data) % 2 == 0 else encode_cp1258(text + "\n")


def test_an_even_length_cp1258_manifest_with_vietnamese_names_is_read_as_cp1258():
    text = manifest_text()
    data = even_cp1258(text)
    assert len(data) % 2 == 0
    data.decode("utf-16")  # the trap: as UTF-16 these bytes decode without error (into garbage)
    entries, problems, n_lines, file_problem = read_manifest(data, M)
    assert (problems, n_lines, file_problem) == ([], 3, None)
    assert [e.path for e in entries] == [f"hoc_ba/{n}" for n in NAMES]
    assert [e.sha256 for e in entries] == [sha(n.encode()) for n in NAMES]
    decoded, encoding, notes = decode_manifest(data, M)
    assert decoded in (text, text + "\n") and encoding == "cp1258"
    assert [c for c, _ in notes] == ["encoding_cp1258"]


def test_utf16_manifests_with_and_without_bom_still_work():
    text = manifest_text()
    for data in (text.encode("utf-16"), "\ufeff".encode("utf-16-be") + text.encode("utf-16-be"),
                 text.encode("utf-16-le"), text.encode("utf-16-be")):
        entries, problems, n_lines, file_problem = read_manifest(data, M)
        assert (problems, n_lines, file_problem) == ([], 3, None), data[:4]
        assert [e.path for e in entries] == [f"hoc_ba/{n}" for n in NAMES]
    assert decode_manifest(text.encode("utf-16-be"), M)[1:] == ("utf-16-be", [])


def test_a_name_with_bytes_invalid_in_the_manifest_encoding_is_rejected_by_line():
    # A UTF-8 manifest (BOM) with one broken byte in a name: that line is rejected, the others kept.
    text = manifest_text(("Lê Văn Tám.xml",))
    data = b"\xef\xbb\xbf" + text.encode("utf-8") + b"Tr\xe2n.xml," + sha(b"y").encode() + b",1\r\n"
    entries, problems, n_lines, file_problem = read_manifest(data, M)
    assert [e.path for e in entries] == ["hoc_ba/Lê Văn Tám.xml"] and (n_lines, file_problem) == (2, None)
    assert [(p.line, p.code) for p in problems] == [(3, "manifest_bad_bytes")]
    assert "dòng 3" in problems[0].message and "\ufffd" in problems[0].message
    assert [c for c, _ in decode_manifest(data, M)[2]] == ["encoding_invalid_bytes"]
    # The text form: read_manifest takes what decode_manifest returned.
    assert read_manifest(decode_manifest(data, M)[0], M)[:3] == (entries, problems, n_lines)


def test_loader_joins_a_cp1258_manifest_with_the_vietnamese_named_records_on_disk(tmp_path: Path):
    exp = tmp_path / "x" / "31000001_2025-2026"
    (exp / "hoc_ba").mkdir(parents=True)
    for n in NAMES:
        (exp / "hoc_ba" / n).write_bytes(n.encode())  # not a record: read as UNREADABLE, still hashed
    (exp / "hoc_ba" / "manifest.csv").write_bytes(even_cp1258(manifest_text()))
    con = fresh_db()
    (export,) = discover_exports(exp.parent)
    load_signed_files(con, export, "r1", "31000001", TrustStore({}))
    rows = con.execute("""SELECT src_file, manifest_file, listed_sha256 = actual_sha256, in_manifest, on_disk
                          FROM package_entries ORDER BY src_row""").fetchall()
    assert rows == [(f"hoc_ba/{n}", M, True, True, True) for n in NAMES]
    assert con.execute("SELECT count(*) FROM rejected_rows").fetchone() == (0,)
    assert con.execute("SELECT status, rows_read, rows_loaded FROM manifest WHERE file = ?", [M]).fetchall() == [
        ("loaded", 3, 3)]
    # the guessed encoding is on the manifest row and noted as a warning that names the file
    assert con.execute("SELECT encoding FROM manifest WHERE file = ?", [M]).fetchall() == [("cp1258",)]
    notes = con.execute("SELECT file, error_code, severity FROM load_errors").fetchall()
    assert (M, "encoding_cp1258", "cảnh báo") in notes, notes
