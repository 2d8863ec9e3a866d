"""Pure-Python normalisation of cell text into canonical values, with notes and error codes."""

from __future__ import annotations

from hocba_audit.normalize.canonical_tone import canonical_tone
from hocba_audit.normalize.cccd import CccdParts, cccd_consistent, cccd_parts
from hocba_audit.normalize.clean_text import clean_text
from hocba_audit.normalize.detect_legacy import detect_legacy
from hocba_audit.normalize.did_you_mean import did_you_mean
from hocba_audit.normalize.fold_key import compact_key, fold_key, strip_diacritics
from hocba_audit.normalize.name_key import name_key
from hocba_audit.normalize.normalize_value import NORMALISERS, normalize_value
from hocba_audit.normalize.primary_items import PrimaryItem, primary_item_code, primary_items
from hocba_audit.normalize.reference import (
    EthnicGroup,
    ProvinceRef,
    ethnic_group_refs,
    ethnic_groups,
    province_codes,
    provinces,
    reference_dir,
    reload_reference,
)
from hocba_audit.normalize.result import Note, Result
from hocba_audit.normalize.subjects import (
    SubjectLevel,
    SubjectRef,
    subject_name,
    subject_ref,
    subjects,
)
from hocba_audit.normalize.tcvn3 import tcvn3_to_unicode, unicode_to_tcvn3
from hocba_audit.normalize.viqr import unicode_to_viqr, viqr_to_unicode
from hocba_audit.normalize.vni import unicode_to_vni, vni_to_unicode

__all__ = [
    "NORMALISERS",
    "CccdParts",
    "EthnicGroup",
    "Note",
    "PrimaryItem",
    "ProvinceRef",
    "Result",
    "SubjectLevel",
    "SubjectRef",
    "canonical_tone",
    "cccd_consistent",
    "cccd_parts",
    "clean_text",
    "compact_key",
    "detect_legacy",
    "did_you_mean",
    "ethnic_group_refs",
    "ethnic_groups",
    "fold_key",
    "name_key",
    "normalize_value",
    "primary_item_code",
    "primary_items",
    "province_codes",
    "provinces",
    "reference_dir",
    "reload_reference",
    "strip_diacritics",
    "subject_name",
    "subject_ref",
    "subjects",
    "tcvn3_to_unicode",
    "unicode_to_tcvn3",
    "unicode_to_viqr",
    "unicode_to_vni",
    "viqr_to_unicode",
    "vni_to_unicode",
]
