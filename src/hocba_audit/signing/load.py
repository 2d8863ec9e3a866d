"""Load an export's signed files into the canonical tables (source ``signed_files``).

For one export (folder or zip):

* every ``*.xml`` is verified (:func:`verify_document`, schema included) and gives one
  ``signed_records`` row, one ``record_signatures`` row per role slot and the ``signed_values``
  of the block the signatures were verified to cover (nothing else), read through the mapping
  exactly as :func:`.mapping.extract_rows` reads it;
* every certificate file (``.cer .crt .pem .der``, PEM or DER) gives one ``certificate_files``
  row, its chain evaluated now against the trust store;
* ``hoc_ba/manifest.csv`` is joined with the XML files present into ``package_entries``.

Every file also gets its ``manifest`` row (sha256, size, source), and every problem a
``load_errors`` or ``rejected_rows`` row naming the file and line: nothing stops the run.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from lxml import etree

from ..exports import Export, ExportFile, read_many, sha256_bytes, signed_file_kind
from .algorithms import DS
from .certfile import ID_KINDS, UnreadableCertificate, describe_parsed, parse_certificates
from .document import DocumentVerdict
from .mapping import RecordMapping, load_mapping
from .messages import explain
from .package import decode_manifest, read_manifest
from .policy import VerifyPolicy
from .safexml import UnsafeXmlError, parse_secure
from .trust import TrustStore
from .values import canonical_text, extract_located, signed_value_rows  # noqa: F401 (re-exported)
from .verdict import SignatureVerdict
from .verify import verify_document

_TRUST: dict[str, TrustStore] = {}
_MAPPINGS: dict[str, RecordMapping] = {}
_STATUS_ROWS = ("UNREADABLE", "NOT_A_RECORD")


def cached_trust_store(folder: Path | str | None) -> TrustStore | None:
    """The trust store of ``folder``, loaded once per process (None: no trust store)."""
    if folder is None:
        return None
    key = str(Path(folder).resolve())
    if key not in _TRUST:
        _TRUST[key] = TrustStore.from_folder(key)
    return _TRUST[key]


def cached_mapping(path: Path | str | None = None) -> RecordMapping:
    key = str(path or "")
    if key not in _MAPPINGS:
        _MAPPINGS[key] = load_mapping(path)
    return _MAPPINGS[key]


@dataclass
class SignedLoadResult:
    records: int = 0
    signatures: int = 0
    values: int = 0
    certificates: int = 0
    package_entries: int = 0
    problems: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


# -- one record file -------------------------------------------------------------------------------

_UNSAFE_VI = {
    "too_large": "tệp quá lớn so với giới hạn của một học bạ",
    "doctype": "tệp khai báo DOCTYPE/DTD, không được phép trong học bạ số (nguy cơ tấn công XXE)",
    "entity": "tệp chứa tham chiếu thực thể (entity), không được phép trong học bạ số",
    "type": "nội dung không phải dữ liệu nhị phân",
}


def _unsafe_reason(exc: UnsafeXmlError, size: int) -> str:
    if exc.code == "syntax":
        m = re.search(r"line (\d+)", exc.message)
        return "nội dung không phải XML hợp lệ" + (f" (lỗi cú pháp ở dòng {m.group(1)})" if m else "")
    if exc.code == "too_large":
        return f"tệp lớn {size} byte, vượt giới hạn của một học bạ"
    return _UNSAFE_VI.get(exc.code, exc.code)


def _unreadable(rel: str, reason: str) -> str:
    text = (f"Tệp '{rel}' không đọc được như học bạ số: {reason}. Xuất lại tệp học bạ từ phần mềm quản lý; "
            "không sửa tệp bằng công cụ khác.")
    return unicodedata.normalize("NFC", text)


def _roles_vi(roles: list[str]) -> str:
    from .messages import ROLE_VI

    return ", ".join(ROLE_VI.get(r, r) for r in roles)


def record_explanation(rel: str, v: DocumentVerdict) -> str:
    """A plain Vietnamese sentence for the record's status, naming the file."""
    def roles_with(indication: str) -> list[str]:
        return [r for r, s in v.signatures.items() if s.indication.value == indication]

    def first(roles: list[str]) -> str:
        return v.signatures[roles[0]].explanation if roles else ""

    if v.status == "VALID":
        text = f"Tệp '{rel}': đủ chữ ký, tất cả hợp lệ; tệp đúng lược đồ học bạ số."
    elif v.status == "INVALID":
        bad = roles_with("TOTAL_FAILED")
        text = f"Tệp '{rel}': chữ ký của {_roles_vi(bad)} không hợp lệ. {first(bad)}"
    elif v.status == "INDETERMINATE":
        unsure = roles_with("INDETERMINATE")
        text = f"Tệp '{rel}': chưa xác nhận được chữ ký của {_roles_vi(unsure)}. {first(unsure)}"
    elif v.status == "INCOMPLETE":
        text = f"Tệp '{rel}': học bạ thiếu chữ ký của {_roles_vi(list(v.missing_roles))}."
    elif v.status == "SCHEMA_INVALID":
        p = v.schema_problems[0]
        where = f"dòng {p.line}, {p.path}" if p.line else p.path
        text = (f"Tệp '{rel}': chữ ký hợp lệ nhưng tệp không đúng lược đồ học bạ số "
                f"({len(v.schema_problems)} lỗi; đầu tiên ở {where}: {p.reason}).")
    else:
        text = f"Tệp '{rel}': {v.findings[0][1] if v.findings else v.status}"
    return unicodedata.normalize("NFC", text.strip())


def _signer_kind(v: SignatureVerdict) -> str | None:
    if v.signer is None:
        return None
    return next((val.split(":", 1)[0].strip().upper() for k, val in v.signer.subject
                 if k == "UID" and val.split(":", 1)[0].strip().upper() in ID_KINDS), None)


def _naive_utc(t: dt.datetime | None) -> dt.datetime | None:
    return t.astimezone(dt.timezone.utc).replace(tzinfo=None) if t else None


def signature_rows(root: etree._Element, v: DocumentVerdict, mapping: RecordMapping,
                   keys: dict[str, Any]) -> list[dict[str, Any]]:
    """One ``record_signatures`` row per role slot of the mapping, present or not."""
    container = root.find(mapping.container_tag)
    out = []
    for role, tag in mapping.slot_tags.items():
        slot = container.find(tag) if container is not None else None
        sig = slot.find(DS + "Signature") if slot is not None else None
        anchor = sig if sig is not None else slot if slot is not None else container
        row: dict[str, Any] = {**keys, "role": role, "src_row": (anchor.sourceline if anchor is not None else 1) or 1}
        sv = v.signatures.get(role)
        if sv is None:
            expl, action = explain("missing_signature", role=role)
            row.update(present=False, explanation=expl, action=action)
        else:
            method = sig.find(f"{DS}SignedInfo/{DS}SignatureMethod") if sig is not None else None
            s = sv.signer
            row.update(
                present=True, indication=sv.indication.value,
                sub_indication=sv.sub_indication.value if sv.sub_indication else None,
                signing_time=sv.signing_time, signer_name=s.common_name if s else None,
                signer_id_kind=_signer_kind(sv), signer_personal_id=(s.cccd or s.cmnd) if s else None,
                signer_tax_code=s.mst if s else None, signer_budget_code=s.mns if s else None,
                cert_serial=s.serial_hex if s else None,
                cert_issuer=next((x for k, x in s.issuer if k == "CN"), None) if s else None,
                cert_not_after=_naive_utc(s.not_after) if s else None,
                signature_method=method.get("Algorithm") if method is not None else None,
                explanation=sv.explanation, action=sv.action)
        out.append(row)
    return out


@dataclass
class RecordRows:
    record: dict[str, Any]
    signatures: list[dict[str, Any]]
    values: list[dict[str, Any]]
    verdict: DocumentVerdict | None


def record_rows(data: bytes, rel: str, trust: TrustStore, policy: VerifyPolicy,
                mapping: RecordMapping) -> RecordRows:
    """The rows of one XML file (without school_id/src_file/src_sheet); never raises on content."""
    base = {"sha256": sha256_bytes(data), "size_bytes": len(data), "src_row": 1}
    try:
        tree = parse_secure(data, max_bytes=policy.max_bytes)
    except UnsafeXmlError as exc:
        why = _unsafe_reason(exc, len(data))
        return RecordRows({**base, "status": "UNREADABLE", "explanation": _unreadable(rel, why)}, [], [], None)
    root = tree.getroot()
    blocks = root.findall(mapping.block_tag)
    if root.tag != mapping.root_tag or len(blocks) != 1 or root.find(mapping.container_tag) is None:
        found, wanted = etree.QName(root).localname, etree.QName(mapping.root_tag).localname
        why = (f"phần tử gốc là <{found}>, không phải <{wanted}>" if root.tag != mapping.root_tag else
               "không có đúng một khối dữ liệu học bạ và danh sách chữ ký")
        return RecordRows({**base, "status": "UNREADABLE", "explanation": _unreadable(rel, why)}, [], [], None)
    v = verify_document(data, trust, policy, mapping=mapping, check_schema=True, name=rel)
    if v.status in _STATUS_ROWS:  # parsed above, so not expected; kept as a verdict, not an exception
        return RecordRows({**base, "status": "UNREADABLE", "explanation": record_explanation(rel, v)}, [], [], v)
    ident_block = v.signed_block if v.signed_block is not None else blocks[0]
    keys = {c: canonical_text(x(ident_block)) or None for c, x in mapping.keys.items()}
    ident = {"school_year": keys.get("school_year"), "pupil_code": keys.get("pupil_code"),
             "class_name": keys.get("class_name")}
    record = {
        **base, **ident, "record_id": v.record_id, "record_school_id": keys.get("school_id"),
        "level": v.level, "status": v.status, "schema_valid": not v.schema_problems,
        "schema_errors": "; ".join(f"dòng {p.line}, {p.path}: {p.reason}" if p.line else f"{p.path}: {p.reason}"
                                   for p in v.schema_problems) or None,
        "explanation": record_explanation(rel, v),
    }
    values = ([{**r, "school_year": ident["school_year"], "pupil_code": ident["pupil_code"]}
               for r in signed_value_rows(v.signed_block, mapping)] if v.signed_block is not None else [])
    return RecordRows(record, signature_rows(root, v, mapping, ident), values, v)


# -- the export ------------------------------------------------------------------------------------

def _frame(rows: list[dict[str, Any]], **const: Any) -> pl.DataFrame:
    return pl.DataFrame([{**const, **r} for r in rows], infer_schema_length=None)


@dataclass
class _Run:
    """Where one export's rows go, and its counters."""

    sink: Any
    export: Export
    school_id: str
    result: SignedLoadResult

    def manifest(self, f: ExportFile, sha: str, source: str, read: int, loaded: int, rejected: int,
                 status: str = "loaded", error: str | None = None, encoding: str | None = None) -> None:
        from ..ingest import _manifest_row

        _manifest_row(self.sink, self.export, self.school_id, f, sha, None, source, "", encoding, None,
                      read, loaded, rejected, status, error)

    def problem(self, file: str, code: str, message: str, severity: str = "lỗi") -> None:
        from ..ingest import _error

        self.result.problems += 1
        _error(self.sink, self.export, self.school_id, file, "", code, message, severity=severity)

    def add(self, table: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.sink.add(table, _frame(rows, school_id=self.school_id, src_sheet=""))


def load_signed_files(con, export: Export, run_id: str, school_id: str, trust: TrustStore | None,
                      policy: VerifyPolicy | None = None, mapping: RecordMapping | None = None, *,
                      at: dt.datetime | None = None, sink=None) -> SignedLoadResult:
    """Load the signed files of ``export`` into ``con`` (see the module docstring).

    Args:
        trust: the trust store (None: no store; every signature is then INDETERMINATE /
            NO_CERTIFICATE_CHAIN_FOUND and certificates NO_CHAIN).
        policy: role anchors and strictness (default: ``audits/settings/trust_policy.yaml``).
        mapping: record mapping (default ``audits/schemas/mapping-1.yaml``).
        at: when certificate chains are evaluated (default now).
        sink: an ``ingest._Sink`` to add rows to (default: a new one, flushed here).
    """
    from ..ingest import _Sink
    from .trustpolicy import load_trust_policy

    policy = policy or load_trust_policy()
    store = trust if trust is not None else TrustStore({})
    run = _Run(sink or _Sink(con, run_id), export, school_id, SignedLoadResult())
    by_kind: dict[str, list[ExportFile]] = {}
    for f in export.files:
        kind = signed_file_kind(f.rel_path)
        if kind:
            by_kind.setdefault(kind, []).append(f)
    record_sha = _load_records(run, by_kind.get("signed_record", []), store, policy, mapping or cached_mapping())
    _load_certificates(run, by_kind.get("certificate", []), store, at or policy.now())
    _load_package(run, by_kind.get("package_manifest", []), record_sha)
    if sink is None:
        run.sink.flush()
    return run.result


def _load_records(run: _Run, files: list[ExportFile], store: TrustStore, policy: VerifyPolicy,
                  mapping: RecordMapping) -> dict[str, str]:
    """signed_records, record_signatures, signed_values; returns each XML's sha256 by path."""
    records, signatures, values = [], [], []
    record_sha: dict[str, str] = {}
    for f, data in read_many(files):
        rr = record_rows(data, f.rel_path, store, policy, mapping)
        record_sha[f.rel_path] = rr.record["sha256"]
        status = rr.record["status"]
        run.result.statuses[status] = run.result.statuses.get(status, 0) + 1
        records.append({**rr.record, "src_file": f.rel_path})
        signatures += [{**r, "src_file": f.rel_path} for r in rr.signatures]
        values += [{**r, "src_file": f.rel_path} for r in rr.values]
        if status == "UNREADABLE":
            run.problem(f.rel_path, "signed_record_unreadable", rr.record["explanation"])
            run.manifest(f, rr.record["sha256"], "signed_record", 1, 1, 0, "error", rr.record["explanation"])
        else:
            run.manifest(f, rr.record["sha256"], "signed_record", 1, 1, 0)
    run.add("signed_records", records)
    run.add("record_signatures", signatures)
    run.add("signed_values", values)
    run.result.records, run.result.signatures, run.result.values = len(records), len(signatures), len(values)
    return record_sha


def _load_certificates(run: _Run, files: list[ExportFile], store: TrustStore, at: dt.datetime) -> None:
    """certificate_files: every file described, its chain evaluated at ``at``."""
    parsed: list[tuple[ExportFile, str, tuple | None, str | None]] = []
    for f, data in read_many(files):
        try:
            parsed.append((f, sha256_bytes(data), parse_certificates(data, f.rel_path), None))
        except UnreadableCertificate as exc:
            parsed.append((f, sha256_bytes(data), None, str(exc)))
    pool = tuple(c for _, _, certs, _ in parsed if certs for c in certs)
    cert_store = copy.copy(store)  # same anchors and CRLs; its own path memo, dropped after this export
    cert_store.cache = {}
    rows = []
    for f, sha, certs, why in parsed:
        if certs is None:
            rows.append({"chain_status": "UNREADABLE", "problem": why, "src_file": f.rel_path, "src_row": 1})
            run.problem(f.rel_path, "certificate_unreadable", why or "")
            run.manifest(f, sha, "certificate", 1, 1, 0, "error", why)
            continue
        row = describe_parsed(certs, cert_store, at=at, others=tuple(c for c in pool if c not in certs))
        rows.append({**row, "src_file": f.rel_path, "src_row": 1})
        run.manifest(f, sha, "certificate", 1, 1, 0)
    run.add("certificate_files", rows)
    run.result.certificates = len(rows)


def _load_package(run: _Run, manifests: list[ExportFile], record_sha: dict[str, str]) -> None:
    """package_entries: every manifest line, and every XML file no manifest lists."""
    present = {f.rel_path: f for f in run.export.files}
    entries: dict[str, dict[str, Any]] = {}
    for f, data in read_many(manifests):
        text, encoding, notes = decode_manifest(data, f.rel_path)
        for code, message in notes:  # encoding guessed or ambiguous, bad bytes: warnings with the file
            run.problem(f.rel_path, code, message, severity="cảnh báo")
        listed, problems, n_lines, file_problem = read_manifest(text, f.rel_path)
        if file_problem:
            run.problem(f.rel_path, "package_manifest", file_problem)
        rejected = [{"row_number": p.line, "reason_code": p.code, "reason": p.message,
                     "raw_row": json.dumps(p.raw, ensure_ascii=False)} for p in problems]
        for e in listed:
            if e.path in entries:
                rejected.append({"row_number": e.line, "reason_code": "manifest_listed_twice",
                                 "reason": f"Tệp '{e.path}' đã được kê trong "
                                           f"'{entries[e.path]['manifest_file']}'; bỏ dòng {e.line} của '{f.rel_path}'.",
                                 "raw_row": json.dumps([e.path, e.sha256, e.size_bytes], ensure_ascii=False)})
                continue
            on_disk = e.path in present
            actual = record_sha.get(e.path)
            if on_disk and actual is None:
                actual = sha256_bytes(present[e.path].read_bytes())
            entries[e.path] = {"src_file": e.path, "manifest_file": f.rel_path, "listed_sha256": e.sha256,
                               "actual_sha256": actual, "in_manifest": True, "on_disk": on_disk, "src_row": e.line}
            size = present[e.path].size if on_disk else None
            if actual == e.sha256 and e.size_bytes is not None and size != e.size_bytes:  # (a wrong hash says more)
                run.problem(f.rel_path, "manifest_size_mismatch",
                            f"Tệp kê khai '{f.rel_path}', dòng {e.line}: '{e.path}' được kê {e.size_bytes} byte "
                            f"nhưng thực tế {size} byte.", severity="cảnh báo")
        if rejected:
            run.result.problems += len(rejected)
            run.sink.add("rejected_rows", pl.DataFrame(
                [{"run_id": run.sink.run_id, "school_id": run.school_id, "file": f.rel_path, "sheet": "",
                  "field": None, **r} for r in rejected],
                schema_overrides={"row_number": pl.Int32, "field": pl.String}))
        run.manifest(f, sha256_bytes(data), "package_manifest", n_lines, n_lines - len(rejected), len(rejected),
                     "error" if file_problem else "loaded", file_problem, encoding)
    for rel, sha in record_sha.items():
        if rel not in entries:
            entries[rel] = {"src_file": rel, "manifest_file": None, "listed_sha256": None, "actual_sha256": sha,
                            "in_manifest": False, "on_disk": True, "src_row": 1}
    if record_sha and not manifests:
        run.problem("hoc_ba/manifest.csv", "package_manifest_missing",
                    f"Bản xuất '{run.export.name}' có {len(record_sha)} tệp học bạ XML nhưng không có tệp kê "
                    "khai gói đồng bộ 'hoc_ba/manifest.csv'.", severity="cảnh báo")
    run.add("package_entries", sorted(entries.values(), key=lambda r: r["src_file"]))
    run.result.package_entries = len(entries)
