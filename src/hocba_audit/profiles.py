"""Vendor export layouts ("profiles"), declared as YAML under audits/profiles/.

A profile says, for one school-management product, which files of an export hold which
canonical tables, how to find the header row, which header texts mean which canonical field,
how coded values map, and (for the sample generator) how to write the same layout back.
See docs/profiles.md for the format.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

import yaml

from hocba_audit import model
from hocba_audit.errors import ProfileError
from hocba_audit.paths import audits_dir

#: Fields a source may fill that are not canonical columns: parts combined into one.
PART_PREFIX = "_"


@dataclass(frozen=True)
class MeltColumn:
    """One source column of a wide layout that becomes one row of a long table."""

    aliases: tuple[str, ...]
    field: str
    sets: dict[str, object]


@dataclass(frozen=True)
class Source:
    name: str
    files: tuple[str, ...]
    targets: tuple[str, ...]
    columns: dict[str, tuple[str, ...]]
    sheets: tuple[str, ...] = ("*",)
    ignore: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    constants: dict[str, object] = field(default_factory=dict)
    from_filename: str | None = None
    from_sheet: str | None = None
    combine: dict[str, tuple[str, ...]] = field(default_factory=dict)
    combine_sep: dict[str, str] = field(default_factory=dict)
    melt_target: str | None = None
    melt: tuple[MeltColumn, ...] = ()
    header_search_rows: int = 30
    write: dict = field(default_factory=dict)

    def matches_file(self, rel_path: str) -> bool:
        name = rel_path.rsplit("/", 1)[-1].lower()
        rel = rel_path.lower()
        return any(fnmatchcase(name, p.lower()) or fnmatchcase(rel, p.lower()) for p in self.files)

    def matches_sheet(self, sheet: str) -> bool:
        return any(fnmatchcase(sheet.lower(), p.lower()) for p in self.sheets)

    def filename_fields(self, rel_path: str) -> dict[str, str]:
        if not self.from_filename:
            return {}
        m = re.search(self.from_filename, rel_path.rsplit("/", 1)[-1], re.IGNORECASE)
        return {k: v for k, v in (m.groupdict() if m else {}).items() if v is not None}

    def sheet_fields(self, sheet: str) -> dict[str, str]:
        if not self.from_sheet:
            return {}
        m = re.search(self.from_sheet, sheet, re.IGNORECASE)
        return {k: v for k, v in (m.groupdict() if m else {}).items() if v is not None}

    def all_fields(self) -> set[str]:
        return set(self.columns) | set(self.constants) | set(self.combine) | (
            set(re.compile(self.from_filename).groupindex) if self.from_filename else set()
        ) | (set(re.compile(self.from_sheet).groupindex) if self.from_sheet else set())


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    description: str
    sources: tuple[Source, ...]
    date_formats: tuple[str, ...] = ("%d/%m/%Y", "%Y-%m-%d")
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    csv: dict = field(default_factory=dict)
    path: str = ""

    def source(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(f"profile {self.name!r} has no source {name!r}")

    def source_for(self, rel_path: str) -> Source | None:
        for s in self.sources:
            if s.matches_file(rel_path):
                return s
        return None


def _tuple(v) -> tuple:
    if v is None:
        return ()
    if isinstance(v, (list, tuple)):
        return tuple(str(x) for x in v)
    return (str(v),)


def _field_table(field_name: str, targets: tuple[str, ...]) -> model.Table | None:
    for t in targets:
        tab = model.table(t)
        if field_name in tab.column_names:
            return tab
    return None


READ_ENCODING_KEY = "read_encoding"


def read_encoding_problems(csv_options: dict, source_names) -> list[str]:
    """What is wrong with ``csv.read_encoding`` (English, as profile validation reports it).

    The key is a codec name (every CSV file of the profile) or a mapping of source name -> codec
    name, ``"*"`` for the sources not named. A codec must be a Python text codec and not a
    Unicode one (UTF-8/16/32 are recognised by themselves; the key is for 8-bit files).
    """
    spec = csv_options.get(READ_ENCODING_KEY) if isinstance(csv_options, dict) else None
    if spec is None:
        return []
    if isinstance(spec, str):
        items = {"*": spec}
    elif isinstance(spec, dict):
        items = spec
    else:
        return [f"csv.{READ_ENCODING_KEY} must be a codec name or a mapping of source name to codec name"]
    names = set(source_names)
    problems = []
    for key, codec in items.items():
        where = f"csv.{READ_ENCODING_KEY}" + (f" of source '{key}'" if key != "*" else "")
        if key != "*" and key not in names:
            problems.append(f"csv.{READ_ENCODING_KEY}: no source named '{key}'")
        if not isinstance(codec, str) or not codec.strip():
            problems.append(f"{where}: the codec name is missing")
            continue
        try:
            info = codecs.lookup(codec.strip())
        except LookupError:
            hint = (" (TCVN3 and VNI are font encodings, not codecs: leave the key out and their values are "
                    "flagged one by one)" if codec.strip().lower().replace("-", "") in ("tcvn3", "vni", "abc") else "")
            problems.append(f"{where}: unknown encoding '{codec}'{hint}")
            continue
        if not getattr(info, "_is_text_encoding", True):
            problems.append(f"{where}: '{codec}' is not a text encoding")
        elif info.name.startswith("utf"):
            problems.append(f"{where}: '{codec}' is a Unicode encoding; UTF-8 and UTF-16 files are recognised "
                            "without it (the key names the encoding of 8-bit files, e.g. cp1258)")
    return problems



def parse_profile(data: dict, path: str = "") -> Profile:
    """Build a Profile from parsed YAML, collecting every problem into one ProfileError."""
    problems: list[str] = []
    where = path or "<profile>"

    def bad(msg: str) -> None:
        problems.append(f"{where}: {msg}")

    if not isinstance(data, dict):
        raise ProfileError(f"{where}: a profile is a mapping with keys profile, title, sources")
    for key in ("profile", "title", "sources"):
        if key not in data:
            bad(f"missing key '{key}'")
    sources: list[Source] = []
    for i, s in enumerate(data.get("sources") or []):
        sname = s.get("name", f"#{i + 1}")
        targets = _tuple(s.get("targets"))
        for t in targets:
            if t not in model.TABLES_BY_NAME:
                bad(f"source '{sname}': unknown target table '{t}'")
        if not s.get("files"):
            bad(f"source '{sname}': 'files' (file name patterns) is required")
        columns = {str(k): _tuple(v) for k, v in (s.get("columns") or {}).items()}
        combine, combine_sep = {}, {}
        for k, v in (s.get("combine") or {}).items():
            if isinstance(v, dict):
                combine[str(k)] = _tuple(v.get("parts"))
                combine_sep[str(k)] = str(v.get("sep", " "))
            else:
                combine[str(k)] = _tuple(v)
        melt_spec = s.get("melt") or {}
        melt_target = melt_spec.get("target")
        melt_cols = []
        for mc in melt_spec.get("columns") or []:
            melt_cols.append(MeltColumn(_tuple(mc.get("header")), str(mc.get("field", "value")),
                                        dict(mc.get("set") or {})))
        if melt_target and melt_target not in model.TABLES_BY_NAME:
            bad(f"source '{sname}': unknown melt target '{melt_target}'")
        all_targets = targets + ((melt_target,) if melt_target else ())
        if all(t in model.TABLES_BY_NAME for t in all_targets):
            for fname in list(columns) + list(combine) + list(s.get("constants") or {}):
                if fname.startswith(PART_PREFIX):
                    continue
                if _field_table(fname, all_targets) is None:
                    bad(f"source '{sname}': field '{fname}' is not a column of {', '.join(all_targets)}")
            for parts in combine.values():
                for p in parts:
                    if p not in columns:
                        bad(f"source '{sname}': combine part '{p}' is not among its columns")
            for mc in melt_cols:
                if melt_target and mc.field not in model.table(melt_target).column_names:
                    bad(f"source '{sname}': melt field '{mc.field}' is not a column of {melt_target}")
        for pattern_key in ("from_filename", "from_sheet"):
            if s.get(pattern_key):
                try:
                    re.compile(s[pattern_key])
                except re.error as exc:
                    bad(f"source '{sname}': {pattern_key} is not a valid regular expression: {exc}")
        sources.append(Source(
            name=str(sname), files=_tuple(s.get("files")), targets=targets, columns=columns,
            sheets=_tuple(s.get("sheets")) or ("*",), ignore=_tuple(s.get("ignore")),
            required=_tuple(s.get("required")), constants=dict(s.get("constants") or {}),
            from_filename=s.get("from_filename"), from_sheet=s.get("from_sheet"),
            combine=combine, combine_sep=combine_sep, melt_target=melt_target, melt=tuple(melt_cols),
            header_search_rows=int(s.get("header_search_rows", 30)), write=dict(s.get("write") or {}),
        ))
    for msg in read_encoding_problems(data.get("csv") or {}, [s.name for s in sources]):
        bad(msg)
    if problems:
        raise ProfileError("\n".join(problems))
    return Profile(
        name=str(data["profile"]), title=str(data["title"]), description=str(data.get("description", "")),
        sources=tuple(sources), date_formats=_tuple(data.get("date_formats")) or ("%d/%m/%Y", "%Y-%m-%d"),
        value_maps={str(k): {str(a): str(b) for a, b in (v or {}).items()} for k, v in
                    (data.get("value_maps") or {}).items()},
        csv=dict(data.get("csv") or {}), path=path,
    )


def load_profile(path: Path) -> Profile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: not valid YAML: {exc}") from exc
    return parse_profile(data, str(path))


def load_profiles(directory: Path | None = None) -> dict[str, Profile]:
    """Every profile under audits/profiles/ (or ``directory``), by name."""
    directory = directory or audits_dir() / "profiles"
    out: dict[str, Profile] = {}
    problems: list[str] = []
    for p in sorted(directory.glob("*.yaml")):
        try:
            prof = load_profile(p)
        except ProfileError as exc:
            problems.append(str(exc))
            continue
        if prof.name in out:
            problems.append(f"{p}: profile name '{prof.name}' is already used by {out[prof.name].path}")
        out[prof.name] = prof
    if problems:
        raise ProfileError("\n".join(problems))
    return out
