"""Primary qualities and competences of primary_items.yaml; ``primary_item_code`` (kind 'item')."""

from __future__ import annotations

from dataclasses import dataclass

from hocba_audit.normalize.clean_text import squeeze
from hocba_audit.normalize.did_you_mean import did_you_mean
from hocba_audit.normalize.fold_key import fold_key
from hocba_audit.normalize.params import Params
from hocba_audit.normalize.reference import load_reference, reference_cached
from hocba_audit.normalize.result import BLANK, Result, fail
from hocba_audit.normalize.subjects import subject_value, subjects

_PREFIXES = (
    "nang luc dac thu ", "nang luc chung ", "nang luc ", "pham chat chu yeu ", "pham chat ",
    "nl ", "pc ",
)


@dataclass(frozen=True)
class PrimaryItem:
    """A quality (phẩm chất) or competence (năng lực) rated in primary school (TT 27)."""

    code: str
    group: str  # pham_chat, nang_luc_chung or nang_luc_dac_thu
    name: str
    aliases: tuple[str, ...] = ()
    grades: tuple[int, ...] = (1, 2, 3, 4, 5)


def item_key(s: str) -> str:
    """Loose key of an item name: fold_key; 'Phẩm chất'/'Năng lực' prefix, spaces, i/y dropped."""
    key = fold_key(s)
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix):]
            break
    return key.replace(" ", "").replace("y", "i")


@reference_cached
def primary_items() -> tuple[PrimaryItem, ...]:
    """The 5 qualities, 3 general and 7 specific competences, in file order."""
    return tuple(
        PrimaryItem(r["code"], r["group"], r["name"], tuple(r.get("aliases") or ()),
                    tuple(int(g) for g in r.get("grades") or (1, 2, 3, 4, 5)))
        for r in load_reference("primary_items")["items"]
    )


@reference_cached
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for item in primary_items():
        for text in (item.code, item.name, *item.aliases):
            key = item_key(text)
            if index.setdefault(key, item.code) != item.code:
                raise ValueError(f"primary_items.yaml: '{text}' trùng khoá với {index[key]}.")
    return index


@reference_cached(maxsize=1024)
def primary_item_code(raw: str | None) -> Result:
    """The 'item' kind: code of a primary quality/competence or subject name, alias or code.

    Qualities and competences first ('Yêu nước' -> 'YEU_NUOC'), then subjects through the
    'subject' kind ('Tiếng Việt' -> 'TIENG_VIET', with its notes). The competences Khoa học,
    Công nghệ and Tin học share their code with the subject of the same name; the item_kind
    column tells them apart.
    """
    if raw is None:
        return BLANK
    text = squeeze(str(raw))
    if not text:
        return BLANK
    code = _index().get(item_key(text))
    if code is not None:
        return Result(code)
    subject = subject_value(text)
    if subject.error is None:
        return subject
    return fail(
        "unknown_primary_item",
        f"Không nhận ra môn học, phẩm chất hay năng lực '{text}'.",
        did_you_mean(text, _item_names()),
    )


@reference_cached
def _item_names() -> tuple[str, ...]:
    names = [t for i in primary_items() for t in (i.name, *i.aliases)]
    names += [t for s in subjects() if "TH" in s.levels for t in (s.name, *s.aliases)]
    return tuple(names)


def item_value(text: str, params: Params) -> Result:
    """``primary_item_code`` with the normaliser signature of ``normalize_value``."""
    return primary_item_code(text)
