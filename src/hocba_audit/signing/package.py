"""The yearly sync package's manifest (``hoc_ba/manifest.csv``: ``file,sha256,size_bytes``).

``read_manifest`` turns the manifest's bytes into entries and located problems; the loader joins
the entries with the files present (``package_entries``). Paths are relative to the manifest's
folder and are resolved to paths relative to the export root. The bytes are decoded as the
tabular CSV files are (``readers.decode_csv_bytes``: BOM, UTF-16 with or without BOM, UTF-8,
Windows-1258 weighed against a legacy 8-bit encoding); ``decode_manifest`` also returns the
encoding chosen and the notes (code, Vietnamese message) the loader reports as warnings.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

from hocba_audit.readers import decode_csv_bytes

HEADER = ("file", "sha256", "size_bytes")
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class ManifestEntry:
    line: int
    path: str            # relative to the export root
    sha256: str          # lower-case hex
    size_bytes: int | None


@dataclass(frozen=True)
class ManifestProblem:
    line: int            # 1 = the header
    code: str
    message: str         # Vietnamese, names the file and the line
    raw: list[str]


def decode_manifest(data: bytes, manifest_rel: str) -> tuple[str, str, list[tuple[str, str]]]:
    """(text, encoding label, notes) of a manifest's bytes, as ``readers.decode_csv_bytes`` decides
    for any CSV file: UTF-16 is taken only with a BOM or its NUL bytes (decoding as UTF-16
    succeeds on almost any even number of bytes, so trying it blindly read a Windows-1258
    manifest as garbage), Windows-1258 text is composed to NFC, a guess is labelled ``...?``."""
    return decode_csv_bytes(data, manifest_rel)


def resolve(manifest_rel: str, listed: str) -> str | None:
    """``listed`` (relative to the manifest's folder) as a path relative to the export root, or None
    when it is absolute or leaves the export."""
    listed = unicodedata.normalize("NFC", listed.strip().replace("\\", "/"))
    pure = PurePosixPath(listed)
    if not listed or pure.is_absolute() or re.match(r"^[A-Za-z]:", listed):
        return None
    parts = list(PurePosixPath(manifest_rel).parent.parts)
    for p in pure.parts:
        if p == "..":
            if not parts:
                return None
            parts.pop()
        elif p != ".":
            parts.append(p)
    return "/".join(parts) or None


def read_manifest(data: bytes | str, manifest_rel: str) -> tuple[list[ManifestEntry], list[ManifestProblem], int,
                                                                str | None]:
    """(entries, problems per line, data lines read, problem of the whole file) of one manifest;
    never raises on bad content. A bad header rejects every line with the file's problem.

    ``data`` is the file's bytes, or its text from :func:`decode_manifest` (whose encoding notes
    the caller then reports). A line whose file name holds bytes invalid in the encoding read
    (shown as U+FFFD) is rejected: that name cannot be matched with a file of the export."""
    text = decode_manifest(data, manifest_rel)[0] if isinstance(data, bytes) else data
    rows = list(csv.reader(io.StringIO(text, newline="")))
    where = f"Tệp kê khai gói đồng bộ '{manifest_rel}'"
    numbered = [(i + 1, r) for i, r in enumerate(rows) if any(c.strip() for c in r)]
    if not numbered:
        return [], [], 0, f"{where} rỗng."
    (hline, header), body = numbered[0], numbered[1:]
    names = tuple(h.strip().lower() for h in header)
    if names[:3] != HEADER:
        msg = (f"{where}, dòng {hline}: tiêu đề phải là 'file,sha256,size_bytes' nhưng là "
               f"'{','.join(header)}'; không dùng được các dòng của tệp.")
        return [], [ManifestProblem(n, "manifest_header", msg, r) for n, r in body], len(body), msg
    entries: list[ManifestEntry] = []
    problems: list[ManifestProblem] = []
    seen: dict[str, int] = {}
    for n, r in body:
        cells = [c.strip() for c in r] + [""] * (3 - len(r))
        file, sha, size = cells[:3]
        at = f"{where}, dòng {n}"
        if len(r) > 3 and any(c.strip() for c in r[3:]):
            problems.append(ManifestProblem(n, "manifest_columns", f"{at}: có {len(r)} cột, cần đúng 3.", r))
            continue
        if not file:
            problems.append(ManifestProblem(n, "manifest_no_file", f"{at}: thiếu tên tệp.", r))
            continue
        if "\ufffd" in file:
            problems.append(ManifestProblem(
                n, "manifest_bad_bytes",
                f"{at}: tên tệp '{file}' có byte không đọc được theo bảng mã của tệp kê khai (hiện thành "
                "'\ufffd'), nên không đối chiếu được với tệp nào; hãy xuất lại tệp kê khai ở UTF-8.", r))
            continue
        path = resolve(manifest_rel, file)
        if path is None:
            problems.append(ManifestProblem(
                n, "manifest_unsafe_path", f"{at}: đường dẫn '{file}' tuyệt đối hoặc trỏ ra ngoài bản xuất.", r))
            continue
        if not _HEX64.match(sha):
            problems.append(ManifestProblem(
                n, "manifest_bad_sha256", f"{at}: mã băm '{sha}' của '{file}' không phải SHA-256 (64 ký tự hex).", r))
            continue
        size_bytes = None
        if size:
            if not size.isdigit():
                problems.append(ManifestProblem(
                    n, "manifest_bad_size", f"{at}: kích thước '{size}' của '{file}' không phải số byte.", r))
                continue
            size_bytes = int(size)
        if path in seen:
            problems.append(ManifestProblem(
                n, "manifest_duplicate", f"{at}: '{file}' đã được kê ở dòng {seen[path]}; bỏ dòng lặp.", r))
            continue
        seen[path] = n
        entries.append(ManifestEntry(n, path, sha.lower(), size_bytes))
    return entries, problems, len(body), None
