"""Reference data under audits/reference/: loader, ethnic groups and CCCD province codes."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml

_F = TypeVar("_F", bound=Callable[..., Any])
_CACHED: list[Any] = []

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader


def reference_cached(fn: _F | None = None, *, maxsize: int | None = None) -> Any:
    """``lru_cache`` for a function of the reference data; ``reload_reference`` clears it."""

    def wrap(f: _F) -> _F:
        wrapped = lru_cache(maxsize=maxsize)(f)
        _CACHED.append(wrapped)
        return wrapped  # type: ignore[return-value]

    return wrap(fn) if fn is not None else wrap


def register_cache(fn: Any) -> None:
    """Have ``reload_reference`` also clear ``fn`` (an lru_cache holding derived results)."""
    _CACHED.append(fn)


def reload_reference() -> None:
    """Forget every loaded reference table (after changing HOCBA_AUDITS_DIR or the files)."""
    for fn in _CACHED:
        fn.cache_clear()


def reference_dir() -> Path:
    """``$HOCBA_AUDITS_DIR/reference`` if the variable is set, else ``<repo>/audits/reference``."""
    override = os.environ.get("HOCBA_AUDITS_DIR")
    if override:
        return Path(override) / "reference"
    return Path(__file__).resolve().parents[3] / "audits" / "reference"


@reference_cached
def load_reference(name: str) -> dict[str, Any]:
    """The parsed YAML file ``<reference_dir>/<name>.yaml``."""
    path = reference_dir() / f"{name}.yaml"
    if not path.is_file():
        raise FileNotFoundError(
            f"Không tìm thấy tệp dữ liệu tham chiếu '{path}'. Hãy đặt biến môi trường "
            "HOCBA_AUDITS_DIR trỏ tới thư mục 'audits'."
        )
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_Loader)  # noqa: S506 - a safe loader
    if not isinstance(data, dict):
        raise ValueError(f"Tệp tham chiếu '{path}' không đúng cấu trúc (cần một ánh xạ YAML).")
    return data


@dataclass(frozen=True)
class EthnicGroup:
    code: str  # '01'..'54', '55' for Người nước ngoài
    name: str
    aliases: tuple[str, ...] = ()


@reference_cached
def ethnic_group_refs() -> tuple[EthnicGroup, ...]:
    """Every ethnic group of ethnic_groups.yaml, with its aliases."""
    rows = load_reference("ethnic_groups")["groups"]
    return tuple(
        EthnicGroup(str(r["code"]).zfill(2), r["name"], tuple(r.get("aliases") or ())) for r in rows
    )


@reference_cached
def ethnic_groups() -> dict[str, str]:
    """Ethnic-group code ('01'…'54', '55') -> official name."""
    return {g.code: g.name for g in ethnic_group_refs()}


@dataclass(frozen=True)
class ProvinceRef:
    code: str  # 3-digit CCCD code, '0' + statistical code
    name: str  # province name before 01/07/2025
    statistical_code: str
    since_2025: str  # the province it belongs to since 01/07/2025
    since_2025_code: str


@reference_cached
def provinces() -> tuple[ProvinceRef, ...]:
    """Every CCCD province code of provinces.yaml with its pre- and post-2025 province."""
    rows = load_reference("provinces")["provinces"]
    return tuple(
        ProvinceRef(
            str(r["code"]).zfill(3),
            r["name"],
            str(r["statistical_code"]).zfill(2),
            r["since_2025"],
            str(r["since_2025_code"]).zfill(2),
        )
        for r in rows
    )


@reference_cached
def province_codes() -> dict[str, str]:
    """CCCD 3-digit province code -> province name (pre-2025)."""
    return {p.code: p.name for p in provinces()}
