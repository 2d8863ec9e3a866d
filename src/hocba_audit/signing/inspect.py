"""``hocba-audit verify``: check signed học bạ files on the spot and print what to do (Vietnamese).

Per file: its status and explanation; per role slot: the verdict, the signer (name, CCCD/CMND or
MST/MNS, serial), the signing time, and the explanation and action. Uses the same rows as the
loader (:func:`hocba_audit.signing.load.record_rows`), so what an inspector sees on a visit is
what the audit stores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .load import cached_mapping, cached_trust_store, record_rows
from .trust import TrustStore
from .trustpolicy import load_trust_policy


def xml_files(paths: Iterable[Path]) -> list[Path]:
    """The given files, and every ``*.xml`` under the given folders, in name order."""
    out: list[Path] = []
    for p in paths:
        out += sorted(q for q in Path(p).rglob("*") if q.is_file() and q.suffix.lower() == ".xml") \
            if Path(p).is_dir() else [Path(p)]
    return out


def _signer(row: dict[str, Any]) -> str:
    ident = row.get("signer_personal_id") or row.get("signer_tax_code") or row.get("signer_budget_code")
    parts = [row.get("signer_name") or "?"]
    if ident:
        parts.append(f"({row.get('signer_id_kind') or 'ID'} {ident})")
    if row.get("cert_serial"):
        parts.append(f"số sê-ri {row['cert_serial']}")
    return " ".join(parts)


def format_record(name: str, record: dict[str, Any], signatures: list[dict[str, Any]]) -> list[str]:
    """The printed lines of one file."""
    lines = [f"{name} — {record['status']}", f"  {record['explanation']}"]
    for s in signatures:
        role = f"{s['role']:<6}"
        if not s.get("present"):
            lines += [f"  {role}chưa ký", f"        {s['explanation']}", f"        → {s['action']}"]
            continue
        verdict = s["indication"] + (f" / {s['sub_indication']}" if s.get("sub_indication") else "")
        when = s["signing_time"].strftime("%d/%m/%Y %H:%M:%S") if s.get("signing_time") else "không rõ"
        lines += [f"  {role}{verdict}", f"        người ký: {_signer(s)}; thời điểm ký: {when}",
                  f"        {s['explanation']}", f"        → {s['action']}"]
    return lines


def verify_paths(paths: Iterable[Path], trust_dir: Path | None, settings: Mapping[str, str] | None = None,
                 *, echo: Callable[..., Any] = print) -> bool:
    """Verify and print every XML file of ``paths``; True when every file is VALID."""
    trust = cached_trust_store(trust_dir) if trust_dir else None
    if trust is None:
        echo("Cảnh báo: không có kho tin cậy (--trust); mọi chữ ký sẽ là chưa xác định "
             "(INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND).")
    policy = load_trust_policy(overrides=settings)
    mapping = cached_mapping()
    files = xml_files(paths)
    if not files:
        echo("Không có tệp .xml nào.")
        return False
    ok = True
    counts: dict[str, int] = {}
    for f in files:
        rr = record_rows(f.read_bytes(), f.as_posix(), trust or TrustStore({}), policy, mapping)
        status = rr.record["status"]
        counts[status] = counts.get(status, 0) + 1
        ok = ok and status == "VALID"
        for line in format_record(f.as_posix(), rr.record, rr.signatures):
            echo(line)
        echo("")
    echo(f"{len(files)} tệp: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return ok
