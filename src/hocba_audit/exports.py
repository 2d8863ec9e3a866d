"""Find school exports in a folder and list their files safely.

The export contract (docs/export-contract.md): one folder or one .zip per school and school
year, named ``<school id>_<school year>`` (e.g. ``31000123_2025-2026``). Inside, CSV and XLSX
files in any sub-folder layout, and the signed files (học bạ XML, certificate files, the
sync-package manifest ``hoc_ba/manifest.csv``; :func:`signed_file_kind`), which
:mod:`hocba_audit.signing.load` reads instead of the tabular loader. A zip entry that would
escape its folder, an absolute path, a link or an entry over the size limit is refused and
reported; the rest of the export loads.
"""

from __future__ import annotations

import hashlib
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_FILE_BYTES = 512 * 1024 * 1024
DATA_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
SIGNED_RECORD_SUFFIXES = (".xml",)
CERTIFICATE_SUFFIXES = (".cer", ".crt", ".pem", ".der")
PACKAGE_MANIFEST_NAME = "manifest.csv"
_NAME_RE = re.compile(r"^(?P<school_id>[0-9A-Za-z.-]+?)_(?P<school_year>\d{4}\s*[-–/]\s*\d{4})$")


@dataclass(frozen=True)
class ExportFile:
    """One data file of an export; picklable (a path, and a member name inside a zip)."""

    rel_path: str
    size: int
    path: Path
    member: str | None = None

    def read_bytes(self) -> bytes:
        if self.member is None:
            return self.path.read_bytes()
        with zipfile.ZipFile(self.path) as z:
            return z.read(self.member)


@dataclass
class Export:
    name: str
    path: Path
    school_id: str
    school_year: str | None
    files: list[ExportFile]
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (code, file, Vietnamese message)

    def file(self, rel_path: str) -> ExportFile:
        for f in self.files:
            if f.rel_path == rel_path:
                return f
        raise KeyError(rel_path)


def signed_file_kind(rel_path: str) -> str | None:
    """'signed_record' (any .xml), 'certificate' (.cer .crt .pem .der), 'package_manifest'
    (a ``manifest.csv`` inside a ``hoc_ba/`` folder) or None for a tabular or other file."""
    pure = PurePosixPath(rel_path.lower())
    if pure.suffix in SIGNED_RECORD_SUFFIXES:
        return "signed_record"
    if pure.suffix in CERTIFICATE_SUFFIXES:
        return "certificate"
    if pure.name == PACKAGE_MANIFEST_NAME and pure.parent.name == "hoc_ba":
        return "package_manifest"
    return None


def read_many(files: list[ExportFile]):
    """``(file, bytes)`` for each of ``files``, opening a zip export once rather than per member."""
    zips: dict[Path, zipfile.ZipFile] = {}
    try:
        for f in files:
            if f.member is None:
                yield f, f.path.read_bytes()
            else:
                z = zips.get(f.path)
                if z is None:
                    z = zips[f.path] = zipfile.ZipFile(f.path)
                yield f, z.read(f.member)
    finally:
        for z in zips.values():
            z.close()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _parse_name(name: str) -> tuple[str, str | None]:
    m = _NAME_RE.match(name)
    if not m:
        return name, None
    y = re.sub(r"\s*[-–/]\s*", "-", m.group("school_year"))
    return m.group("school_id"), y


def _folder_export(path: Path) -> Export:
    sid, year = _parse_name(path.name)
    files, problems = [], []
    for p in sorted(path.rglob("*")):
        rel = p.relative_to(path).as_posix()
        if p.is_symlink():
            problems.append(("unsafe_link", rel, f"'{rel}' là liên kết tượng trưng (symlink): bỏ qua vì lý do an toàn."))
            continue
        if not p.is_file() or p.name.startswith((".", "~$")):
            continue
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(("file_too_large", rel, f"Tệp '{rel}' lớn {size} byte, vượt giới hạn {MAX_FILE_BYTES}."))
            continue
        files.append(ExportFile(rel, size, p))
    return Export(path.name, path, sid, year, files, problems)


def _zip_export(path: Path) -> Export:
    sid, year = _parse_name(path.stem)
    files, problems = [], []
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        problems.append(("unreadable_zip", path.name, f"Tệp nén '{path.name}' không mở được: {exc}"))
        return Export(path.stem, path, sid, year, [], problems)
    names = [i.filename for i in infos if not i.is_dir()]
    tops = {n.split("/", 1)[0] for n in names}
    strip = (tops.pop() + "/") if len(tops) == 1 and all("/" in n for n in names) else ""
    for info in infos:
        if info.is_dir():
            continue
        name = info.filename
        pure = PurePosixPath(name.replace("\\", "/"))
        mode = info.external_attr >> 16
        if pure.is_absolute() or ".." in pure.parts or re.match(r"^[A-Za-z]:", name):
            problems.append(("unsafe_zip_entry", name, f"Mục '{name}' trong tệp nén '{path.name}' trỏ ra ngoài thư mục "
                             "xuất dữ liệu (đường dẫn tuyệt đối hoặc '..'): đã từ chối, không đọc."))
            continue
        if stat.S_ISLNK(mode):
            problems.append(("unsafe_link", name, f"Mục '{name}' trong '{path.name}' là liên kết tượng trưng: bỏ qua."))
            continue
        if info.file_size > MAX_FILE_BYTES:
            problems.append(("file_too_large", name, f"Mục '{name}' giải nén ra {info.file_size} byte, vượt giới hạn."))
            continue
        rel = pure.as_posix()[len(strip):] if strip and pure.as_posix().startswith(strip) else pure.as_posix()
        if PurePosixPath(rel).name.startswith((".", "~$")) or rel.startswith("__MACOSX/"):
            continue
        files.append(ExportFile(rel, info.file_size, path, name))
    return Export(path.stem, path, sid, year, files, problems)


def discover_exports(directory: Path) -> list[Export]:
    """Every school export under ``directory``: its sub-folders and .zip files, sorted by name.
    A folder that holds data files directly (no sub-folders) is itself one export, and so is a
    folder named like an export (``31000123_2025-2026``) none of whose entries is (its sub-folders
    are then its own, e.g. ``hoc_ba/`` and ``certs/``)."""
    directory = Path(directory)
    if directory.suffix.lower() == ".zip" and directory.is_file():
        return [_zip_export(directory)]
    entries = sorted(p for p in directory.iterdir() if not p.name.startswith("."))
    subs = [p for p in entries if p.is_dir() or (p.is_file() and p.suffix.lower() == ".zip")]
    if not subs and any(p.suffix.lower() in DATA_SUFFIXES for p in entries):
        return [_folder_export(directory)]
    named = [_NAME_RE.match(p.stem if p.is_file() else p.name) for p in subs]
    if _NAME_RE.match(directory.name) and not any(named):
        return [_folder_export(directory)]
    return [_zip_export(p) if p.is_file() else _folder_export(p) for p in subs]
