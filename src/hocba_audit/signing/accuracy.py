"""Score the verifier against a corpus's truth: per defect code, expected verdicts vs what came out."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from .corpus import EXPECTED, Corpus
from .document import DocumentVerdict
from .policy import VerifyPolicy
from .trust import TrustStore
from .verify import verify_document


def _got(v: DocumentVerdict, role: str) -> tuple[str | None, str | None]:
    s = v.signatures.get(role)
    if s is None:
        return (None, None)
    return (s.indication.value, s.sub_indication.value if s.sub_indication else None)


def score(corpus: Corpus, trust: TrustStore | None = None, policy: VerifyPolicy | None = None,
          verdicts: dict[str, DocumentVerdict] | None = None) -> tuple[list[dict], list[str]]:
    """(one row per defect code, mismatches): expected status and role verdicts vs the verifier's.

    A record counts as correct when its status and every role's (indication, sub-indication)
    equal the truth.
    """
    trust = trust or TrustStore.from_folder(corpus.trust_dir)
    if verdicts is None:
        verdicts = {}
        for f in corpus.files:
            name = Path(f).relative_to(corpus.folder).as_posix()
            verdicts[name] = verify_document(Path(f).read_bytes(), trust, policy, check_schema=True, name=name)
    rows: dict[str, dict] = defaultdict(lambda: {"records": 0, "correct": 0, "expected": "", "got": defaultdict(int)})
    mismatches = []
    for name, exp in corpus.expected().items():
        v = verdicts[name]
        row = rows[exp["defect"]]
        row["records"] += 1
        want = {r: exp["roles"][r] for r in exp["roles"]}
        got = {r: _got(v, r) for r in exp["roles"]}
        generic = exp["role"] if EXPECTED.get(exp["defect"], ("*",))[0] == "any" else None
        shown_want, shown_got = _describe(exp["status"], want, generic), _describe(v.status, got, generic)
        row["expected"] = shown_want
        row["got"][shown_got] += 1
        if v.status == exp["status"] and got == want:
            row["correct"] += 1
        else:
            mismatches.append(f"{name} [{exp['defect']}, {exp['role']}]: expected {shown_want}, got {shown_got}")
    table = [{"defect": k, "records": r["records"], "correct": r["correct"], "expected": r["expected"],
              "got": "; ".join(f"{g} ×{n}" for g, n in sorted(r["got"].items()))} for k, r in sorted(rows.items())]
    return table, mismatches


def _describe(status: str, roles: dict[str, tuple[str | None, str | None]], generic: str | None) -> str:
    """'INVALID GVCN=TOTAL_FAILED/EXPIRED'; the defect's random role is shown as <role>."""
    parts = []
    for role, (ind, sub) in roles.items():
        role = "<role>" if role == generic else role
        if ind is None:
            parts.append(f"{role}=missing")
        elif ind != "TOTAL_PASSED":
            parts.append(f"{role}={ind}/{sub}")
    return status + (" " + ", ".join(parts) if parts else " all TOTAL_PASSED")


def markdown(table: list[dict]) -> str:
    """The accuracy table as Markdown."""
    lines = ["| defect | records | correct | expected | got |", "|---|---:|---:|---|---|"]
    lines += [f"| {r['defect']} | {r['records']} | {r['correct']} | {r['expected']} | {r['got']} |" for r in table]
    return "\n".join(lines)
