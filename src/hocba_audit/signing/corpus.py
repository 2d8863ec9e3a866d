"""Defect corpus: signed học bạ records with injected defects, each one recorded in a truth list.

``generate_corpus(folder, n_pupils)`` writes ``records/<school>/<pupil>-<year>.xml``, the trust
folder the verifier should use (``trust/``), the signers' certificates (``certs/``), the roster
as canonical rows (``roster.json``) and ``truth.csv``: one row per record and defect with the
verdict the verifier must give (:data:`EXPECTED`). Roster defects (signer not the GVCN, seal not
the school's, HT before GVCN, signed before the last grade change, content differing from the
grade book, file without pupil, pupil without file) are cryptographically clean: their truth rows
are for the roster joins; the verdicts already expose what those joins need.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from .algorithms import C14N10, ECDSA_SHA1, EXC_C14N, RSA_SHA1, SHA1, SHA256
from .attacks import tamper, wrap
from .keys import pool_key
from .pki import Credential, SyntheticPKI, utc
from .record import ROLES, build_record, to_bytes
from .roster import School, build_schools, pupil_record
from .sign import sign_role

P, IND, F = "TOTAL_PASSED", "INDETERMINATE", "TOTAL_FAILED"
#: defect -> (role scope: '*', 'any' (one random role) or a role; indication; sub-indication; status)
EXPECTED: dict[str, tuple[str, str | None, str | None, str]] = {
    "clean": ("*", P, None, "VALID"),
    "missing_signature": ("any", None, None, "INCOMPLETE"),
    "tampered": ("*", F, "HASH_FAILURE", "INVALID"),
    # the host signature (GVCN) is broken by its own enveloped-signature transform: see WRAP_HOST
    "wrapping": ("*", IND, "SIGNED_DATA_NOT_FOUND", "INVALID"),
    "wrong_key": ("any", F, "SIG_CRYPTO_FAILURE", "INVALID"),
    "untrusted_root": ("any", IND, "NO_CERTIFICATE_CHAIN_FOUND", "INDETERMINATE"),
    "expired": ("any", F, "EXPIRED", "INVALID"),
    "not_yet_valid": ("any", F, "NOT_YET_VALID", "INVALID"),
    "revoked": ("any", F, "REVOKED", "INVALID"),
    "revoked_after_signing": ("any", P, None, "VALID"),
    "weak_sha1": ("any", IND, "CRYPTO_CONSTRAINTS_FAILURE", "INDETERMINATE"),
    "weak_rsa1024": ("any", IND, "CRYPTO_CONSTRAINTS_FAILURE", "INDETERMINATE"),
    "wrong_anchor": ("DonVi", IND, "CHAIN_CONSTRAINTS_FAILURE", "INDETERMINATE"),
    "schema_invalid": ("*", P, None, "SCHEMA_INVALID"),
    # roster defects: cryptographically clean, found by the roster joins of the next round
    "signer_not_gvcn": ("GVCN", P, None, "VALID"),
    "seal_not_school": ("DonVi", P, None, "VALID"),
    "ht_before_gvcn": ("HT", P, None, "VALID"),
    "signed_before_grade_change": ("*", P, None, "VALID"),
    "content_differs": ("*", P, None, "VALID"),
    "file_without_pupil": ("*", P, None, "VALID"),
}
ROSTER_ONLY = ("pupil_without_file",)
#: The wrapped original sits in the GVCN signature's ds:Object, so that signature's
#: enveloped-signature transform removes what it signed: HASH_FAILURE, as XML-DSig defines it.
WRAP_HOST = ("GVCN", F, "HASH_FAILURE")
CRL_TIME = utc(2025, 9, 1)


@dataclass
class Corpus:
    folder: Path
    trust_dir: Path
    files: list[Path]
    truth: list[dict]
    roster: dict[str, list[dict]] = field(default_factory=dict)

    def expected(self) -> dict[str, dict]:
        """file name -> {'status': …, 'roles': {role: (indication, sub_indication)}, 'defect': …}."""
        out: dict[str, dict] = {}
        for t in self.truth:
            if not t["file"]:
                continue
            e = out.setdefault(t["file"], {"status": t["expected_status"], "defect": t["defect_code"],
                                           "role": t["role"], "roles": {r: (P, None) for r in ROLES}})
            roles = ROLES if t["role"] == "*" else (t["role"],)
            for r in roles:
                e["roles"][r] = (t["expected_indication"] or None, t["expected_sub_indication"] or None)
        return out


class _Signers:
    """Credentials of the roster, and the defective variants, issued once and reused."""

    def __init__(self, pki: SyntheticPKI, schools: list[School]) -> None:
        self.pki, self.cache = pki, {}
        for i, school in enumerate(schools):
            for j, t in enumerate(school.teachers):
                key = pool_key("ec256" if (i + j) % 2 else "rsa2048", (i + j) % 4)
                ca = "viettel" if j % 2 else "vnpt"
                t["credential"] = pki.issue_person(
                    t["full_name"], cccd=None if t["legacy_cmnd"] else t["personal_id"],
                    cmnd=t["legacy_cmnd"], ca=ca, key=key)
            school.row["credential"] = pki.issue_seal(school.row["school_name"], mst=school.row["tax_code"],
                                                      mns=school.row["budget_code"], key=pool_key("rsa2048", i % 4))

    def variant(self, defect: str, base: Credential, school_id: str, role: str) -> Credential:
        key = (defect, school_id, role)
        if key not in self.cache:
            self.cache[key] = issue_variant(self.pki, defect, base, CORPUS_TIMELINE)
        return self.cache[key]


@dataclass(frozen=True)
class Timeline:
    """Validity and revocation dates of the defective certificate variants, relative to signing."""

    valid: tuple[dt.datetime, dt.datetime]           # a normal certificate
    expired: tuple[dt.datetime, dt.datetime]         # ends before the signing window
    not_yet_valid: tuple[dt.datetime, dt.datetime]   # starts after it
    revoked_at: dt.datetime                          # before the signing window
    revoked_after_at: dt.datetime                    # after it


#: The corpus signs in May 2025.
CORPUS_TIMELINE = Timeline(valid=(utc(2023), utc(2028)), expired=(utc(2021, 6), utc(2025, 3)),
                           not_yet_valid=(utc(2025, 7), utc(2030)), revoked_at=utc(2025, 4, 15),
                           revoked_after_at=utc(2025, 8, 1))
#: Defects made by signing with a variant of the signer's credential (:func:`issue_variant`).
VARIANT_DEFECTS = ("untrusted_root", "expired", "not_yet_valid", "revoked", "revoked_after_signing",
                   "weak_rsa1024", "wrong_anchor", "wrong_key")


def issue_variant(pki: SyntheticPKI, defect: str, base: Credential, timeline: Timeline) -> Credential:
    """A defective variant of ``base`` (same subject) for one of :data:`VARIANT_DEFECTS`."""
    subject = base.cert.subject
    kwargs = dict(ca=base.issuer, key=base.key, not_before=timeline.valid[0], not_after=timeline.valid[1])
    if defect == "untrusted_root":
        kwargs["ca"] = "rogue-ca"
    elif defect == "expired":
        kwargs.update(not_before=timeline.expired[0], not_after=timeline.expired[1])
    elif defect == "not_yet_valid":
        kwargs.update(not_before=timeline.not_yet_valid[0], not_after=timeline.not_yet_valid[1])
    elif defect == "weak_rsa1024":
        kwargs["key"] = pool_key("rsa1024", 0)
    elif defect == "wrong_anchor":
        kwargs["ca"] = "vnpt"
    cred = pki.issue(subject, **kwargs)
    if defect == "revoked":
        pki.revoke(cred, timeline.revoked_at)
    elif defect == "revoked_after_signing":
        pki.revoke(cred, timeline.revoked_after_at)
    elif defect == "wrong_key":
        cred = base.with_key(pool_key("ec256" if isinstance(base.key, ec.EllipticCurvePrivateKey) else "rsa2048", 9))
    return cred


def sign_roles(root, creds: dict[str, Credential], times: dict[str, dt.datetime], *, defect: str = "clean",
               role: str | None = None, variant=None, c14n: str = C14N10) -> None:
    """Sign ``root`` for every role (GVCN, HT, DonVi) with ``creds[role]`` at ``times[role]``,
    applying the signing-side part of ``defect`` to ``role``: the slot left empty
    (``missing_signature``), a variant credential (``variant(defect, cred, role)`` for
    :data:`VARIANT_DEFECTS`), or SHA-1 (``weak_sha1``). ``wrapping`` needs exclusive C14N."""
    if defect == "wrapping":
        c14n = EXC_C14N
    for r in ROLES:
        if defect == "missing_signature" and r == role:
            continue
        cred = creds[r]
        method, digest = None, SHA256
        if r == role and defect in VARIANT_DEFECTS:
            cred = variant(defect, cred, r)
        if r == role and defect == "weak_sha1":
            method = ECDSA_SHA1 if isinstance(cred.key, ec.EllipticCurvePrivateKey) else RSA_SHA1
            digest = SHA1
        sign_role(root, r, cred, times[r], c14n=c14n, method=method, digest=digest)


def _plan(rng: random.Random, n: int, defect_rate: float) -> list[str]:
    codes = [c for c in EXPECTED if c != "clean"] + list(ROSTER_ONLY)
    plan = codes[:n] + [rng.choice(codes) if rng.random() < defect_rate else "clean" for _ in range(n - len(codes))]
    rng.shuffle(plan)
    return plan


def _sign_all(root, rec: dict, school: School, teacher: dict, signers: _Signers, defect: str,
              role: str, rng: random.Random, schools: list[School]) -> None:
    base = {"GVCN": teacher["credential"], "HT": school.principal["credential"], "DonVi": school.row["credential"]}
    if defect == "signer_not_gvcn":
        base["GVCN"] = school.teachers[-1]["credential"]
    if defect == "seal_not_school":
        other = schools[(schools.index(school) + 1) % len(schools)]
        base["DonVi"] = other.row["credential"]
    t0 = dt.datetime(2025, 5, 26, 8) + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 3))
    times = {"GVCN": t0, "HT": t0 + dt.timedelta(days=1, minutes=rng.randrange(600)),
             "DonVi": t0 + dt.timedelta(days=2, minutes=rng.randrange(600))}
    if defect == "ht_before_gvcn":
        times["HT"] = t0 - dt.timedelta(days=1)
    c14n = EXC_C14N if defect == "wrapping" else rng.choice((C14N10, EXC_C14N))
    sign_roles(root, base, times, defect=defect, role=role, c14n=c14n,
               variant=lambda d, cred, r: signers.variant(d, cred, school.school_id, r))


def generate_corpus(folder: Path | str, n_pupils: int, *, seed: int = 4, defect_rate: float = 0.4,
                    pki: SyntheticPKI | None = None, n_schools: int | None = None) -> Corpus:
    """Write ``n_pupils`` records (some with defects) and their truth under ``folder``."""
    folder = Path(folder)
    rng = random.Random(seed)
    pki = pki or SyntheticPKI()
    schools = build_schools(rng, n_schools or max(2, min(8, n_pupils // 40)))
    signers = _Signers(pki, schools)
    roster: dict[str, list[dict]] = {k: [] for k in ("schools", "teachers", "classes", "pupils", "enrolments",
                                                     "subject_results", "year_results", "primary_evaluations",
                                                     "primary_results", "certificates", "grade_changes")}
    files, truth = [], []
    for n, defect in enumerate(_plan(rng, n_pupils, defect_rate)):
        school = schools[n % len(schools)]
        klass = school.classes[(n // len(schools)) % len(school.classes)]
        teacher = next(t for t in school.teachers if t["teacher_code"] == klass["homeroom_teacher_code"])
        rec = pupil_record(rng, school, klass, n)
        scope = EXPECTED.get(defect, ("*", P, None, "VALID"))[0]
        role = rng.choice(ROLES) if scope == "any" else scope
        detail = _add_to_roster(roster, rec, defect, rng)
        if defect in ROSTER_ONLY:
            truth.append(_truth("", rec, defect, "*", (None, None, None), detail))
            continue
        if defect == "schema_invalid":
            detail = _break_schema(rec)
        root = build_record(rec)
        _sign_all(root, rec, school, teacher, signers, defect, role, rng, schools)
        if defect == "tampered":
            detail = tamper(root)
        elif defect == "wrapping":
            detail = wrap(root, WRAP_HOST[0])
        rel = Path("records") / school.school_id / f"{rec['pupil']['pupil_code']}-{rec['school_year']}.xml"
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(to_bytes(root))
        files.append(folder / rel)
        truth.append(_truth(rel.as_posix(), rec, defect, role, EXPECTED[defect][1:], detail))
        if defect == "wrapping":
            truth.append(_truth(rel.as_posix(), rec, defect, WRAP_HOST[0], (*WRAP_HOST[1:], "INVALID"), detail))
    _write_roster(folder, roster, schools)
    trust_dir = pki.write_trust_folder(folder / "trust", crl_time=CRL_TIME)
    _write_truth(folder / "truth.csv", truth)
    return Corpus(folder, trust_dir, files, truth, roster)


def _truth(file: str, rec: dict, defect: str, role: str, expected: tuple, detail: str) -> dict:
    ind, sub, status = expected
    return {"file": file, "school_id": rec["school"]["school_id"], "pupil_code": rec["pupil"]["pupil_code"],
            "defect_code": defect, "role": role, "expected_indication": ind or "",
            "expected_sub_indication": sub or "", "expected_status": status or "", "detail": detail}


def _break_schema(rec: dict) -> str:
    if rec["level"] == "TH":
        rec["pupil"] = {**rec["pupil"], "sex": "Khác"}
        return "GioiTinh 'Khác'"
    rec["subject_results"][0] = {**rec["subject_results"][0], "average": Decimal("11.5")}
    return "DiemTB 11.5"


def _add_to_roster(roster: dict, rec: dict, defect: str, rng: random.Random) -> str:
    keys = {"school_id": rec["school"]["school_id"], "school_year": rec["school_year"],
            "pupil_code": rec["pupil"]["pupil_code"], "class_name": rec["class"]["class_name"]}
    if defect != "file_without_pupil":
        roster["pupils"].append(dict(rec["pupil"], status="Đang học"))
        roster["enrolments"].append(dict(keys, status="Đang học"))
    for table, src in (("subject_results", "subject_results"), ("primary_evaluations", "primary_evaluations")):
        roster[table] += [dict(keys, **r) for r in rec.get(src, [])]
    for table, src in (("year_results", "year_result"), ("primary_results", "primary_result")):
        if src in rec:
            roster[table].append(dict(keys, **rec[src]))
    if defect == "content_differs":
        row = (roster["subject_results"] or roster["primary_evaluations"])[-1]
        if "average" in row and row.get("average") is not None:
            row["average"] = Decimal(row["average"]) - 1
            return f"grade book {row['subject_code']} {row['period']} = {row['average']}"
        row["level"] = "C"
        return f"grade book {row.get('item_code')} {row.get('checkpoint')} = C"
    if defect == "signed_before_grade_change":
        when = dt.datetime(2025, 6, 5, 10, rng.randrange(60))
        roster["grade_changes"].append(dict(keys, changed_at=when.isoformat()))
        return f"last grade change {when.isoformat()} after all signatures"
    return ""


def _write_roster(folder: Path, roster: dict, schools: list[School]) -> None:
    certs = folder / "certs"
    certs.mkdir(parents=True, exist_ok=True)
    for s in schools:
        roster["schools"].append({k: v for k, v in s.row.items() if k != "credential"})
        roster["classes"] += [{k: v for k, v in c.items() if k != "homeroom_teacher_name"} for c in s.classes]
        holders = [("giáo viên", t["teacher_code"], t["credential"]) for t in s.teachers]
        holders.append(("trường", s.school_id, s.row["credential"]))
        for kind, code, cred in holders:
            path = certs / f"{code}.pem"
            path.write_bytes(cred.cert.public_bytes(Encoding.PEM))
            roster["certificates"].append({"school_id": s.school_id, "holder_kind": kind, "holder_code": code,
                                           "cert_file": f"certs/{code}.pem",
                                           "serial": format(cred.cert.serial_number, "X")})
        roster["teachers"] += [{k: v for k, v in t.items() if k not in ("credential",)} for t in s.teachers]
    (folder / "roster.json").write_text(json.dumps(roster, ensure_ascii=False, indent=1, default=str),
                                        encoding="utf-8")


def _write_truth(path: Path, truth: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(truth[0]))
        w.writeheader()
        w.writerows(truth)
