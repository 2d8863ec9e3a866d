"""Signed học bạ records, certificate files and a sync-package manifest for a generated export.

Contract: ``/work/round2-contract.md`` §2 (layout) and §3 (defect codes); docs/generator.md,
section "Signed files". The records are built FROM THE LOADED GRADE BOOK: the export's tables,
once written, are loaded with the project's own loader into a scratch DuckDB, and every
enrolled pupil-year becomes one record of what the audit will see (normalised names, the
recorded averages and levels …). So a clean record agrees with the grade book value for value,
and a record differs only where a defect was planted.

Every export gets::

    hoc_ba/<pupil_code>_<school_year>.xml   one signed record per enrolment (GVCN → HT → seal)
    hoc_ba/manifest.csv                     file,sha256,size_bytes of the records
    certs/<holder_code>.cer                 one DER certificate per registry row, issued with the
                                            registry's serial number

The trust folder (one for the whole set, ``<exports>/../trust``) is written by the caller from
the same :class:`SyntheticPKI`, after merging the revocations every export reports
(:func:`merge_revocations`), because exports may be signed in several processes: they share the
CA keys through :func:`pki_state` / :func:`pki_from_state` (in memory, never on disk).

Defects (contract §3) are planted per export at ``defect_rate`` (one draw per enrolment, one per
certificate holder) and every code that applies and was not drawn is forced once, as the
tabular generator does, so every school carries every signed-file code it can. Each planted
defect gives the truth rows the contract names; values that break the schema because of a
tabular defect (an empty sex, an 11-digit ID …) give an implied ``SIG_SCHEMA_INVALID`` row.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import io
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from lxml import etree

from hocba_audit.signing.attacks import tamper, wrap
from hocba_audit.signing.corpus import EXPECTED, WRAP_HOST, Timeline, issue_variant, sign_roles
from hocba_audit.signing.keys import pool_key
from hocba_audit.signing.pki import Authority, Credential, SyntheticPKI, utc
from hocba_audit.signing.record import HB, ROLES, build_record, to_bytes
from hocba_audit.signing.schema import validate

from .records import truth_row

#: First GVCN signing time (local); a class is signed within 12 days, HT a day after the GVCN,
#: the seal two days after: every signature falls in 2026-05-25 … 2026-06-10 (contract §3).
SIGN_FROM = dt.datetime(2026, 5, 25, 7, 30)
SIGN_DAYS = 11
DEADLINE = dt.datetime(2026, 6, 15)
CRL_TIME = utc(2026, 6, 20)
#: Defective variants for a signing window in May-June 2026.
TIMELINE = Timeline(valid=(utc(2023), utc(2028)), expired=(utc(2021, 6), utc(2026, 4, 30)),
                    not_yet_valid=(utc(2026, 7, 1), utc(2031)), revoked_at=utc(2026, 4, 15),
                    revoked_after_at=utc(2026, 8, 1))
#: CERT_EXPIRES_BEFORE_DEADLINE: after every signature, before the 2026-06-15 deadline.
EXPIRES_BEFORE_DEADLINE = utc(2026, 6, 12)
#: CERT_EXPIRING_SOON: ten days after the deadline (inside any warning window of 10 days or more).
EXPIRING_SOON = utc(2026, 6, 25)

VARIANT_DETAIL = {
    "expired": "certificate 2021-06-01 … 2026-04-30", "not_yet_valid": "certificate valid from 2026-07-01",
    "revoked": "certificate revoked 2026-04-15", "untrusted_root": "certificate of a look-alike CA under an untrusted root",
    "wrong_key": "signed with a key that is not the certificate's", "weak_sha1": "RSA/ECDSA-SHA1, SHA-1 digests",
    "weak_rsa1024": "RSA-1024 key", "wrong_anchor": "seal certificate under the national root, not the government one",
}
#: Codes made by signing (contract code -> signing.corpus defect, whose EXPECTED verdict applies).
CRYPTO_DEFECTS = {
    "SIG_MISSING": "missing_signature", "SIG_TAMPERED": "tampered", "SIG_WRAPPING": "wrapping",
    "SIG_WRONG_KEY": "wrong_key", "SIG_UNTRUSTED_ROOT": "untrusted_root", "SIG_CERT_EXPIRED": "expired",
    "SIG_CERT_NOT_YET_VALID": "not_yet_valid", "SIG_CERT_REVOKED": "revoked",
    "SIG_WEAK_ALGORITHM": "weak_sha1",  # or weak_rsa1024, drawn per record
    "SIG_WRONG_ANCHOR": "wrong_anchor",
}
#: Codes whose records are cryptographically clean (found by the roster and content joins).
ROSTER_DEFECTS = {
    "SIG_SIGNER_NOT_GVCN": "signer_not_gvcn", "SIG_SIGNER_NOT_HT": "signer_not_ht",
    "SIG_SEAL_NOT_SCHOOL": "seal_not_school", "SIG_ORDER": "ht_before_gvcn",
    "SIG_BEFORE_GRADE_CHANGE": "signed_before_grade_change", "SIG_CONTENT_DIFFERS": "content_differs",
    "SIG_SCHEMA_INVALID": "schema_invalid",
}
#: Codes about files and the package; the record concerned is signed cleanly.
FILE_DEFECTS = ("SIG_PUPIL_WITHOUT_FILE", "SIG_FILE_WITHOUT_PUPIL", "SIG_DUPLICATE_RECORD",
                "PKG_HASH_MISMATCH", "PKG_NOT_IN_MANIFEST", "PKG_LISTED_MISSING")
RECORD_CODES = (*CRYPTO_DEFECTS, *ROSTER_DEFECTS, *FILE_DEFECTS)
#: Certificate-file codes: one holder each (CERT_SEAL_WRONG_ID: the school seal).
CERT_CODES = ("CERT_MISSING", "CERT_EXPIRES_BEFORE_DEADLINE", "CERT_EXPIRING_SOON", "CERT_KEY_USAGE",
              "CERT_CMND_ONLY", "CERT_SEAL_WRONG_ID")
ALL_CODES = (*RECORD_CODES, *CERT_CODES)
#: Contract §3: the role a one-role code concerns ('any': drawn per record).
_ROLE_OF = {"SIG_MISSING": "any", "SIG_WRONG_KEY": "any", "SIG_UNTRUSTED_ROOT": "any",
            "SIG_CERT_EXPIRED": "any", "SIG_CERT_NOT_YET_VALID": "any", "SIG_CERT_REVOKED": "any",
            "SIG_WEAK_ALGORITHM": "any", "SIG_WRONG_ANCHOR": "DonVi", "SIG_SIGNER_NOT_GVCN": "GVCN",
            "SIG_SIGNER_NOT_HT": "HT", "SIG_SEAL_NOT_SCHOOL": "DonVi", "SIG_ORDER": "HT"}

_SCHOOL_COLS = ("school_id", "school_name", "tax_code", "budget_code", "commune_name", "ownership", "level")
_PUPIL_COLS = ("pupil_code", "personal_id", "full_name", "birth_date", "sex", "ethnicity_code", "nationality",
               "birthplace", "hometown", "address", "father_name", "mother_name", "guardian_name")
_SR_COLS = ("subject_code", "period", "average", "level", "retest", "retest_level")
_YR_COLS = ("conduct_hk1", "conduct_hk2", "conduct_year", "academic_hk1", "academic_hk2", "academic_year",
            "absences", "summer_conduct", "retest_academic", "decision", "award")
_PE_COLS = ("item_kind", "item_code", "checkpoint", "level", "test_score")
_PR_COLS = ("overall", "completed_grade", "completed_primary", "award", "absences_excused", "absences_unexcused")
_PERIOD = {"HK1": 0, "HK2": 1, "CN": 2, "GK1": 0, "CK1": 1, "GK2": 2}


# -- the PKI shared by worker processes ----------------------------------------------------------
def pki_state(pki: SyntheticPKI) -> list[tuple[str, bytes, bytes, str | None, str]]:
    """The authorities of ``pki`` as picklable bytes (handed to worker processes, never written)."""
    out = []
    for a in pki.authorities.values():
        key = a.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
        out.append((a.name, a.cert.public_bytes(serialization.Encoding.PEM), key,
                    a.parent.name if a.parent else None, a.anchor_group))
    return out


def pki_from_state(state: list[tuple[str, bytes, bytes, str | None, str]]) -> SyntheticPKI:
    """A :class:`SyntheticPKI` with the same authorities (keys and certificates) as :func:`pki_state`'s."""
    pki = SyntheticPKI.__new__(SyntheticPKI)
    pki.authorities = {}
    for name, cert, key, parent, group in state:
        pki.authorities[name] = Authority(name, x509.load_pem_x509_certificate(cert),
                                          serialization.load_pem_private_key(key, None),  # type: ignore[arg-type]
                                          pki.authorities[parent] if parent else None, group)
    return pki


def merge_revocations(pki: SyntheticPKI, revocations: list[tuple[str, int, dt.datetime]]) -> None:
    """Record revocations made in other processes, before ``pki.write_trust_folder``."""
    for ca, serial, when in revocations:
        pki.authorities[ca].revoked.append((serial, when))


# -- certificates ------------------------------------------------------------------------------
def _name(*attrs: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.RelativeDistinguishedName([x509.NameAttribute(o, v)]) for o, v in attrs])


def person_name(full_name: str, *, cccd: str | None = None, cmnd: str | None = None) -> x509.Name:
    """``C=VN, ST=Hải Phòng, CN=<name>, UID=CCCD:<12>`` (or ``UID=CMND:<9>``), as :mod:`.pki` writes it."""
    attrs = [(NameOID.COUNTRY_NAME, "VN"), (NameOID.STATE_OR_PROVINCE_NAME, "Hải Phòng"),
             (NameOID.COMMON_NAME, full_name)]
    if cccd:
        attrs.append((NameOID.USER_ID, f"CCCD:{cccd}"))
    if cmnd:
        attrs.append((NameOID.USER_ID, f"CMND:{cmnd}"))
    return _name(*attrs)


def seal_name(org: str, *, mst: str | None, mns: str | None) -> x509.Name:
    attrs = [(NameOID.COUNTRY_NAME, "VN"), (NameOID.STATE_OR_PROVINCE_NAME, "Hải Phòng"),
             (NameOID.ORGANIZATION_NAME, org), (NameOID.COMMON_NAME, org)]
    if mst:
        attrs.append((NameOID.USER_ID, f"MST:{mst}"))
    if mns:
        attrs.append((NameOID.USER_ID, f"MNS:{mns}"))
    return _name(*attrs)


def issue_leaf(pki: SyntheticPKI, subject: x509.Name, *, ca: str, key, serial: int | None = None,
               not_before: dt.datetime = utc(2023), not_after: dt.datetime = utc(2028),
               signing: bool = True) -> Credential:
    """A leaf certificate like :meth:`SyntheticPKI.issue`, but with a given serial number (the
    registry's) and, with ``signing=False``, keyEncipherment as its only key usage."""
    auth = pki.authorities[ca]
    pub = key.public_key()
    issuer_ski = auth.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(auth.cert.subject).public_key(pub)
            .serial_number(serial or x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=signing, content_commitment=signing, key_encipherment=not signing,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski),
                           critical=False)
            .sign(auth.key, hashes.SHA256()))
    chain = tuple(a.cert for a in auth.path() if a.parent is not None)
    return Credential(cert, key, chain, ca)


@dataclass
class Holder:
    """A certificate-registry row, with the certificate its file holds and the one it signs with."""

    kind: str                  # 'giáo viên' | 'trường'
    code: str
    cert_file: str
    serial: str
    name: str
    file_cred: Credential | None = None
    sign_cred: Credential | None = None
    defect: str | None = None
    detail: str = ""


# -- result ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Planted:
    """One planted defect: the file (relative to the export root), the contract code, the
    signing.corpus defect whose EXPECTED verdict applies (or None), and the role concerned."""

    file: str
    code: str
    defect: str | None
    role: str


@dataclass
class SignedExport:
    truth: list[dict] = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)
    revocations: list[tuple[str, int, dt.datetime]] = field(default_factory=list)
    records: int = 0
    files: int = 0
    certs: int = 0
    notes: list[str] = field(default_factory=list)


# -- reading the loaded grade book --------------------------------------------------------------
def _rows(con, table: str, cols: tuple[str, ...], order: str = "") -> list[dict]:
    sql = f'SELECT {", ".join(cols)} FROM "{table}"' + (f" ORDER BY {order}" if order else "")
    return [dict(zip(cols, r)) for r in con.execute(sql).fetchall()]


def load_scratch(export_dir: Path):  # type: ignore[no-untyped-def]
    """The export at ``export_dir`` loaded with the project's loader into an in-memory DuckDB."""
    import duckdb

    from hocba_audit import model
    from hocba_audit.exports import _folder_export
    from hocba_audit.ingest import load_export
    from hocba_audit.profiles import load_profiles

    con = duckdb.connect()
    model.create_schema(con)
    load_export(con, _folder_export(Path(export_dir)), "signed-records", load_profiles())
    return con


class _Book:
    """The loaded school: rows grouped the way records need them."""

    def __init__(self, con) -> None:  # type: ignore[no-untyped-def]
        self.school = _rows(con, "schools", _SCHOOL_COLS)[0]
        self.teachers = {t["teacher_code"]: t for t in _rows(
            con, "teachers", ("teacher_code", "personal_id", "full_name", "position"), "teacher_code")}
        self.classes = {c["class_name"]: c for c in _rows(
            con, "classes", ("school_year", "class_name", "grade", "homeroom_teacher_code"), "class_name")}
        self.pupils = {p["pupil_code"]: p for p in _rows(con, "pupils", _PUPIL_COLS, "pupil_code")}
        self.enrolments = [e for e in _rows(con, "enrolments", ("school_year", "pupil_code", "class_name"),
                                            "class_name, pupil_code")
                           if e["pupil_code"] in self.pupils and e["class_name"] in self.classes]
        self.registry = _rows(con, "certificates", ("holder_kind", "holder_code", "cert_file", "serial"),
                              "holder_kind, holder_code")
        self.assign = defaultdict(set)
        for a in _rows(con, "teaching_assignments", ("class_name", "teacher_code")):
            self.assign[a["class_name"]].add(a["teacher_code"])
        by = lambda table, cols, order: _group(_rows(con, table, ("school_year", "pupil_code", *cols), order))  # noqa: E731
        self.subject_results = by("subject_results", _SR_COLS, "pupil_code, subject_code, period")
        self.year_results = by("year_results", _YR_COLS, "pupil_code")
        self.evaluations = by("primary_evaluations", _PE_COLS, "pupil_code, item_kind, item_code, checkpoint")
        self.primary_results = by("primary_results", _PR_COLS, "pupil_code")
        self.last_edit: dict[tuple[str, str], dt.datetime] = {
            (y, p): t for y, p, t in con.execute(
                "SELECT school_year, pupil_code, max(changed_at) FROM grade_edits "
                "WHERE changed_at IS NOT NULL GROUP BY ALL").fetchall()}
        principals = sorted(c for c, t in self.teachers.items() if t["position"] == "Hiệu trưởng")
        self.principal = principals[0] if principals else None

    def record(self, e: dict, school_year: str) -> dict:
        """The ``rec`` of :func:`hocba_audit.signing.record.build_record` for one enrolment."""
        klass = dict(self.classes[e["class_name"]])
        gv = self.teachers.get(klass.get("homeroom_teacher_code") or "")
        klass["homeroom_teacher_name"] = gv["full_name"] if gv else None
        key = (e["school_year"], e["pupil_code"])
        level = self.school["level"]
        rec = {"level": level, "school_year": school_year, "issued": SIGN_FROM.date(),
               "signer_title": "Hiệu trưởng", "school": self.school, "pupil": self.pupils[e["pupil_code"]],
               "class": klass}
        if level == "TH":
            rec["primary_evaluations"] = self.evaluations.get(key, [])
            rec["primary_result"] = (self.primary_results.get(key) or [{}])[0]
        else:
            rec["subject_results"] = sorted(self.subject_results.get(key, []),
                                            key=lambda r: (r["subject_code"], _PERIOD.get(r["period"], 9)))
            rec["year_result"] = (self.year_results.get(key) or [{}])[0]
        return rec


def _group(rows: list[dict]) -> dict[tuple[str, str], list[dict]]:
    out: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        out[(r.pop("school_year"), r.pop("pupil_code"))].append(r)
    return out


# -- planting ----------------------------------------------------------------------------------
def _draw(rng: random.Random, items: list, codes: tuple[str, ...], rate: float, eligible) -> dict:
    """item index -> code: one draw per item at ``rate``, then every missed code forced once."""
    plan: dict[int, str] = {}
    if rate <= 0:
        return plan
    for i, item in enumerate(items):
        if rng.random() < rate:
            ok = [c for c in codes if eligible(c, item)]
            if ok:
                plan[i] = rng.choice(ok)
    order = list(codes)
    rng.shuffle(order)   # when items run short, a different code misses out in each export
    for code in order:
        if code in plan.values():
            continue
        free = [i for i, item in enumerate(items) if i not in plan and eligible(code, item)]
        if free:
            plan[rng.choice(free)] = code
    return plan


def _fresh_code(rng: random.Random, taken: set[str]) -> str:
    while True:
        code = f"31{rng.randrange(10**8):08d}"
        if code not in taken:
            taken.add(code)
            return code


def _change_value(rec: dict) -> tuple[str, str, str, str]:
    """SIG_CONTENT_DIFFERS: change one value of ``rec`` before signing; (table, row_key tail, field, detail)."""
    for row in rec.get("subject_results", []):
        if row.get("average") is not None and Decimal(0) <= Decimal(row["average"]) <= Decimal(10):
            old = Decimal(row["average"])
            new = old - 1 if old >= 1 else old + 1
            rec["subject_results"] = [dict(r) for r in rec["subject_results"]]
            rec["subject_results"][rec["subject_results"].index(row)]["average"] = new
            return ("subject_results", f"{row['subject_code']}|{row['period']}", "average",
                    f"signed {_t(new)}, grade book {_t(old)}")
    for row in rec.get("primary_evaluations", []):
        if row.get("item_kind") == "môn học" and row.get("level") in ("T", "H", "C"):
            new = "H" if row["level"] != "H" else "T"
            rec["primary_evaluations"] = [dict(r) for r in rec["primary_evaluations"]]
            old = row["level"]
            rec["primary_evaluations"][rec["primary_evaluations"].index(row)]["level"] = new
            return ("primary_evaluations", f"{row['item_kind']}|{row['item_code']}|{row['checkpoint']}", "level",
                    f"signed {new}, grade book {old}")
    raise ValueError("no value to change")


def _t(v: Decimal) -> str:
    return format(Decimal(v).normalize(), "f")


def _changeable(rec: dict) -> bool:
    return any(r.get("average") is not None and 0 <= Decimal(r["average"]) <= 10
               for r in rec.get("subject_results", [])) or any(
        r.get("item_kind") == "môn học" and r.get("level") in ("T", "H", "C")
        for r in rec.get("primary_evaluations", []))


def _break_schema(root: etree._Element) -> str:
    """SIG_SCHEMA_INVALID without changing a mapped value: an element the schema does not allow."""
    tt = root.find(f"{HB}DLHocBa/{HB}TTChung")
    note = etree.SubElement(tt, HB + "GhiChu")
    note.text = "Bản sao lưu"
    etree.indent(root, space="  ")
    return "element TTChung/GhiChu, not in the schema (no mapped value changed)"


# -- the export --------------------------------------------------------------------------------
def sign_export(export_dir: Path | str, pki: SyntheticPKI, rng: random.Random, *, con=None,
                defect_rate: float = 0.02) -> SignedExport:
    """Write the signed records, manifest and certificate files of the export at ``export_dir``.

    Args:
        export_dir: an export folder whose tabular files are already written.
        pki: the shared PKI (see :func:`pki_from_state`); revocations made here are also returned.
        rng: the export's random stream (defect choice, signing times); same stream, same files
            apart from signature and certificate bytes.
        con: a DuckDB connection with the export loaded; default: load it with the project's loader.
        defect_rate: per enrolment and per certificate holder; 0 plants nothing.

    Returns:
        truth rows (contract §3), the planted defects, revocations for the trust folder's CRLs.
    """
    export_dir = Path(export_dir)
    own = con is None
    con = load_scratch(export_dir) if own else con
    try:
        book = _Book(con)
    finally:
        if own:
            con.close()
    return _Signer(export_dir, pki, rng, book, defect_rate).run()


class _Signer:
    def __init__(self, export_dir: Path, pki: SyntheticPKI, rng: random.Random, book: _Book,
                 defect_rate: float) -> None:
        self.dir, self.pki, self.rng, self.book, self.rate = export_dir, pki, rng, book, defect_rate
        self.sid = book.school["school_id"]
        self.out = SignedExport()
        self.n_revoked = {name: len(a.revoked) for name, a in pki.authorities.items()}

    # truth ------------------------------------------------------------------------------------
    def truth(self, table: str, key: str, code: str, detail: str, *, file: str = "",
              defect: str | None = None, role: str = "", field_: str = "") -> None:
        self.out.truth.append(truth_row(self.sid, table, key, field_, code, detail))
        if file:
            self.out.planted.append(Planted(file, code, defect, role))

    # certificates -----------------------------------------------------------------------------
    def holders(self) -> dict[str, Holder]:
        out: dict[str, Holder] = {}
        for r in self.book.registry:
            if r["holder_kind"] == "trường":
                name = self.book.school["school_name"]
            else:
                t = self.book.teachers.get(r["holder_code"])
                if t is None:
                    continue
                name = t["full_name"]
            out[r["holder_code"]] = Holder(r["holder_kind"], r["holder_code"], r["cert_file"], r["serial"] or "",
                                           name)
        return out

    def issue_holders(self, holders: dict[str, Holder]) -> None:
        rng = self.rng
        for i, h in enumerate(holders.values()):
            serial = int(h.serial, 16) if h.serial else None
            if h.kind == "trường":
                s = self.book.school
                subject = seal_name(h.name, mst=s["tax_code"], mns=s["budget_code"])
                key, ca = pool_key("ec256", 0), "gov-ca"
            else:
                t = self.book.teachers[h.code]
                cccd = t["personal_id"] if t["personal_id"] and len(t["personal_id"]) == 12 else None
                if cccd is None:  # the grade book lost it (TEACHER_MISSING_PERSONAL_ID): the CA has it
                    cccd = f"0311{rng.randrange(70, 99)}{rng.randrange(10**6):06d}"
                    h.detail = f"certificate CCCD {cccd}; the teachers row has no valid personal ID"
                subject = person_name(h.name, cccd=cccd)
                # mostly ECDSA P-256 (small and fast), every third holder RSA-2048
                key = pool_key("rsa2048" if i % 3 == 2 else "ec256", i % 3)
                ca = "viettel" if i % 2 else "vnpt"
            sign = issue_leaf(self.pki, subject, ca=ca, key=key, serial=serial)
            h.file_cred = h.sign_cred = sign
            if h.defect == "CERT_EXPIRES_BEFORE_DEADLINE":
                h.file_cred = h.sign_cred = issue_leaf(self.pki, subject, ca=ca, key=key, serial=serial,
                                                       not_after=EXPIRES_BEFORE_DEADLINE)
            elif h.defect == "CERT_EXPIRING_SOON":
                h.file_cred = h.sign_cred = issue_leaf(self.pki, subject, ca=ca, key=key, serial=serial,
                                                       not_after=EXPIRING_SOON)
            elif h.defect in ("CERT_KEY_USAGE", "CERT_CMND_ONLY", "CERT_SEAL_WRONG_ID"):
                # the registered file is another certificate than the one the holder signs with,
                # so the defect shows in certificate_files only, not in every signature of the holder
                h.sign_cred = issue_leaf(self.pki, subject, ca=ca, key=key)
                if h.defect == "CERT_KEY_USAGE":
                    h.file_cred = issue_leaf(self.pki, subject, ca=ca, key=key, serial=serial, signing=False)
                elif h.defect == "CERT_CMND_ONLY":
                    h.file_cred = issue_leaf(self.pki, person_name(h.name, cmnd=f"{rng.randrange(10**8, 10**9)}"),
                                             ca=ca, key=key, serial=serial)
                else:
                    s = self.book.school
                    wrong = f"{int(s['tax_code'] or '0200000000') + rng.randrange(1, 9999):010d}"[-10:]
                    h.file_cred = issue_leaf(self.pki, seal_name(h.name, mst=wrong, mns=s["budget_code"]),
                                             ca=ca, key=key, serial=serial)
                    h.detail = f"seal certificate MST {wrong}, school MST {s['tax_code']}"

    def plant_certs(self, holders: dict[str, Holder], gvcn_codes: set[str]) -> None:
        items = list(holders.values())

        def eligible(code: str, h: Holder) -> bool:
            if code == "CERT_SEAL_WRONG_ID":
                return h.kind == "trường" and bool(self.book.school["tax_code"])
            # a GVCN or the principal: the holders whose certificates the readiness rules require
            return h.kind == "giáo viên" and (h.code in gvcn_codes or h.code == self.book.principal)

        for i, code in _draw(self.rng, items, CERT_CODES, self.rate, eligible).items():
            items[i].defect = code

    def write_certs(self, holders: dict[str, Holder]) -> None:
        for h in holders.values():
            src = h.cert_file.replace("\\", "/")
            if h.defect == "CERT_MISSING":
                self.truth("teachers", h.code, "CERT_MISSING",
                           f"{src} is listed in the certificate registry but absent from the export (the "
                           "registry row is kept so that the tabular files do not depend on signing); "
                           "the teacher still signs with that certificate", file=src)
                continue
            path = self.dir / src
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(h.file_cred.cert.public_bytes(serialization.Encoding.DER))
            self.out.certs += 1
            if h.defect:
                nota = h.file_cred.cert.not_valid_after_utc.date().isoformat()
                detail = {
                    "CERT_EXPIRES_BEFORE_DEADLINE": f"not_after {nota}, before the 2026-06-15 signing deadline; "
                                                    "every signature made with it is earlier",
                    "CERT_EXPIRING_SOON": f"not_after {nota}, within the warning window after 2026-06-15",
                    "CERT_KEY_USAGE": "key usage keyEncipherment only (an encryption certificate registered by "
                                      "mistake); the teacher signs with another, valid certificate",
                    "CERT_CMND_ONLY": "UID=CMND (9 digits) only; the teacher signs with a CCCD certificate",
                    "CERT_SEAL_WRONG_ID": h.detail + "; the school signs with a correct seal",
                }[h.defect]
                self.truth("certificate_files", src, h.defect, detail, file=src)

    # signers ----------------------------------------------------------------------------------
    def class_signers(self, holders: dict[str, Holder]) -> dict[str, Credential]:
        """class -> the GVCN's signing credential. A class whose GVCN is missing or no teacher
        (CLASS_WITHOUT_GVCN, CLASS_GVCN_NOT_A_TEACHER) is signed by the registered certificate
        holder who teaches it and is GVCN of no other class (its real homeroom teacher)."""
        gvcn_of = {c["homeroom_teacher_code"] for c in self.book.classes.values()}
        orphans = sorted(h.code for h in holders.values()
                         if h.kind == "giáo viên" and h.code not in gvcn_of and h.code != self.book.principal)
        out = {}
        for name, c in self.book.classes.items():
            h = holders.get(c["homeroom_teacher_code"] or "")
            if h is None:
                cands = [o for o in orphans if o in self.book.assign[name]] or orphans \
                    or [x.code for x in holders.values() if x.kind == "giáo viên"]
                h = holders[cands[0]]
            out[name] = h.sign_cred
        return out

    def other_teacher(self, not_code: str | None) -> Credential:
        """A teacher other than the class's GVCN and the principal (for SIG_SIGNER_NOT_GVCN)."""
        cands = [c for c, t in self.book.teachers.items()
                 if c not in (not_code, self.book.principal) and t["position"] == "Giáo viên"
                 and t["personal_id"]]
        code = cands[self.rng.randrange(len(cands))]
        return self._person(code)


    def _person(self, code: str) -> Credential:
        t = self.book.teachers[code]
        return issue_leaf(self.pki, person_name(t["full_name"], cccd=t["personal_id"]), ca="vnpt",
                          key=pool_key("ec256", 3))

    def other_seal(self) -> tuple[Credential, str]:
        s = self.book.school
        mst = f"02{self.rng.randrange(10**8):08d}"
        mns = f"1{self.rng.randrange(10**6):06d}" if s["budget_code"] else None
        org = "Trường " + {"TH": "Tiểu học", "THCS": "THCS", "THPT": "THPT"}.get(s["level"], "THCS") + " Lân Cận"
        cred = issue_leaf(self.pki, seal_name(org, mst=mst, mns=mns), ca="gov-ca", key=pool_key("rsa2048", 1))
        return cred, f"seal of '{org}' (MST {mst}), not of this school (MST {s['tax_code']})"

    def extra_record(self, rec: dict, creds: dict, times: dict, name: str, e: dict, manifest: dict) -> None:
        """Build, sign, write and list one more record (a duplicate, a file without a pupil)."""
        root = build_record(rec)
        sign_roles(root, creds, times, c14n=_c14n(self.rng))
        self.check_gvcn_signer(root, creds["GVCN"], None, f"hoc_ba/{name}", e)
        data = to_bytes(root)
        self.write(f"hoc_ba/{name}", data)
        manifest[name] = (hashlib.sha256(data).hexdigest(), len(data))

    # records ----------------------------------------------------------------------------------
    def run(self) -> SignedExport:
        book, rng = self.book, self.rng
        if not book.enrolments:
            return self.out
        school_year = book.enrolments[0]["school_year"]
        holders = self.holders()
        gvcn_codes = {c["homeroom_teacher_code"] for c in book.classes.values()}
        self.plant_certs(holders, gvcn_codes)
        self.issue_holders(holders)
        seal = next((h for h in holders.values() if h.kind == "trường"), None)
        principal = holders.get(book.principal or "")
        if seal is None or principal is None:
            self.out.notes.append("no seal or principal certificate in the registry: no signed records")
            return self.out
        signers = self.class_signers(holders)
        if not book.last_edit:
            self.out.notes.append("SIG_BEFORE_GRADE_CHANGE skipped: the export has no grade_edits rows")

        recs = [book.record(e, school_year) for e in book.enrolments]
        roots = [build_record(r) for r in recs]
        valid = [_schema_ok(r) for r in roots]
        regular = {n for n, c in book.classes.items() if (c["homeroom_teacher_code"] or "") in holders}

        def eligible(code: str, i: int) -> bool:
            e = book.enrolments[i]
            if not valid[i]:
                return False
            if code == "SIG_SIGNER_NOT_GVCN":   # "another teacher" needs a class with a known GVCN
                return e["class_name"] in regular
            if code == "SIG_BEFORE_GRADE_CHANGE":
                return (e["school_year"], e["pupil_code"]) in book.last_edit
            if code == "SIG_CONTENT_DIFFERS":
                return _changeable(recs[i])
            return True

        plan = _draw(rng, list(range(len(recs))), RECORD_CODES, self.rate, eligible)
        # class signing sessions: the GVCN signs the class on one day, HT a day later, the seal after
        days = {n: SIGN_FROM + dt.timedelta(days=rng.randrange(SIGN_DAYS), minutes=rng.randrange(480))
                for n in book.classes}
        manifest: dict[str, tuple[str, int]] = {}   # file name in hoc_ba/ -> (sha256, size)
        listed_extra: list[tuple[str, str, int]] = []
        unlisted: set[str] = set()
        taken = set(book.pupils)
        seq = defaultdict(int)
        for i, (e, rec, root) in enumerate(zip(book.enrolments, recs, roots)):
            code = plan.get(i)
            n = seq[e["class_name"]]
            seq[e["class_name"]] += 1
            t0 = days[e["class_name"]] + dt.timedelta(minutes=2 * n, seconds=rng.randrange(60))
            times = {"GVCN": t0, "HT": t0 + dt.timedelta(days=1, minutes=n),
                     "DonVi": t0 + dt.timedelta(days=2, minutes=n)}
            name = f"{e['pupil_code']}_{e['school_year']}.xml"
            src = f"hoc_ba/{name}"
            if code == "SIG_PUPIL_WITHOUT_FILE":
                self.truth("enrolments", f"{e['school_year']}|{e['pupil_code']}", code,
                           "enrolled pupil without a học bạ record in hoc_ba/ (nor in the manifest)")
                continue
            creds = {"GVCN": signers[e["class_name"]], "HT": principal.sign_cred, "DonVi": seal.sign_cred}
            data = self.sign_one(rec, root, creds, times, code, src, e)
            self.write(src, data)
            manifest[name] = (hashlib.sha256(data).hexdigest(), len(data))
            self.out.records += 1
            if code == "SIG_DUPLICATE_RECORD":
                dup = f"{e['pupil_code']}_{e['school_year']}_2.xml"
                later = {r: t + dt.timedelta(days=1, hours=2) for r, t in times.items()}
                self.extra_record(rec, creds, later, dup, e, manifest)
                self.truth("signed_records", f"hoc_ba/{dup}", code,
                           f"second record of pupil {e['pupil_code']} {e['school_year']} (the first is {src}); "
                           "same content, signed again a day later", file=f"hoc_ba/{dup}", defect="clean", role="*")
            elif code == "SIG_FILE_WITHOUT_PUPIL":
                ghost = copy.deepcopy(rec)
                pc = _fresh_code(rng, taken)
                ghost["pupil"] = {**rec["pupil"], "pupil_code": pc, "personal_id": None}
                ghost["record_id"] = None
                gname = f"{pc}_{e['school_year']}.xml"
                self.extra_record(ghost, creds, times, gname, e, manifest)
                self.truth("signed_records", f"hoc_ba/{gname}", code,
                           f"record of pupil {pc}, who is not enrolled (a copy of {e['pupil_code']}'s record "
                           "under another pupil code)", file=f"hoc_ba/{gname}", defect="file_without_pupil", role="*")
            elif code == "PKG_HASH_MISMATCH":
                wrong = hashlib.sha256(data + b"\n").hexdigest()
                manifest[name] = (wrong, len(data) + 1)
                self.truth("package_entries", src, code,
                           "manifest lists the hash and size of a copy with one more byte", file=src, defect="clean",
                           role="*")
            elif code == "PKG_NOT_IN_MANIFEST":
                unlisted.add(name)
                self.truth("package_entries", src, code, "file present, not listed in hoc_ba/manifest.csv",
                           file=src, defect="clean", role="*")
            elif code == "PKG_LISTED_MISSING":
                pc = _fresh_code(rng, taken)
                gone = f"{pc}_{e['school_year']}.xml"
                listed_extra.append((gone, hashlib.sha256(gone.encode()).hexdigest(), 20_000 + rng.randrange(9000)))
                self.truth("package_entries", f"hoc_ba/{gone}", code,
                           "listed in hoc_ba/manifest.csv, no such file in the export")
        self.out.files = len(manifest)
        self.write_manifest(manifest, unlisted, listed_extra)
        self.write_certs(holders)
        self.implied_cert_missing(holders)
        self.out.revocations = [(name, serial, when) for name, a in self.pki.authorities.items()
                                for serial, when in a.revoked[self.n_revoked[name]:]]
        return self.out

    def sign_one(self, rec: dict, root: etree._Element, creds: dict[str, Credential],
                 times: dict[str, dt.datetime], code: str | None, src: str, e: dict) -> bytes:
        rng = self.rng
        defect = CRYPTO_DEFECTS.get(code or "") or ROSTER_DEFECTS.get(code or "") or "clean"
        scope = _ROLE_OF.get(code or "", "*")
        role = rng.choice(ROLES) if scope == "any" else scope
        detail = ""
        creds = dict(creds)
        if code == "SIG_WEAK_ALGORITHM":
            defect = rng.choice(("weak_sha1", "weak_rsa1024"))
        if code == "SIG_CONTENT_DIFFERS":
            rec = copy.deepcopy(rec)
            table, tail, field_, detail = _change_value(rec)
            root = build_record(rec)
            key = f"{src}|{table}|{e['school_year']}|{e['pupil_code']}|{tail}|{field_}"
            self.truth("signed_values", key, code, detail, file=src, defect=defect, role="*", field_=field_)
        elif code == "SIG_SCHEMA_INVALID":
            detail = _break_schema(root)
        elif code == "SIG_SIGNER_NOT_GVCN":
            creds["GVCN"] = self.other_teacher(self.book.classes[e["class_name"]]["homeroom_teacher_code"])
            detail = f"GVCN slot signed by {creds['GVCN'].cert.subject.rfc4514_string()}, not the class's GVCN"
        elif code == "SIG_SIGNER_NOT_HT":
            # a plain teacher: a Phó hiệu trưởng may sign for the principal (setting deputy_may_sign_ht)
            creds["HT"] = self.other_teacher(None)
            detail = (f"HT slot signed by {creds['HT'].cert.subject.rfc4514_string()}, a teacher, neither the "
                      "principal nor a deputy")
        elif code == "SIG_SEAL_NOT_SCHOOL":
            creds["DonVi"], detail = self.other_seal()
        elif code == "SIG_ORDER":
            times = {**times, "HT": times["GVCN"] - dt.timedelta(days=1)}
            detail = f"HT signed {times['HT']:%Y-%m-%d %H:%M}, GVCN {times['GVCN']:%Y-%m-%d %H:%M}"
        elif code == "SIG_BEFORE_GRADE_CHANGE":
            last = self.book.last_edit[(e["school_year"], e["pupil_code"])]
            times = {"GVCN": last - dt.timedelta(days=2), "HT": last - dt.timedelta(days=1, hours=20),
                     "DonVi": last - dt.timedelta(days=1)}
            detail = f"all signatures before the last grade edit of {last:%Y-%m-%d %H:%M}"
        sign_roles(root, creds, times, defect=defect, role=role, c14n=_c14n(rng),
                   variant=lambda d, cred, r: self.variant(d, cred))
        self.check_gvcn_signer(root, creds["GVCN"], code, src, e)
        if defect == "tampered":
            detail = tamper(root)
        elif defect == "wrapping":
            detail = wrap(root, WRAP_HOST[0])
        data = to_bytes(root)
        if code in CRYPTO_DEFECTS or (code in ROSTER_DEFECTS and code != "SIG_CONTENT_DIFFERS"):
            exp = EXPECTED.get(defect)
            if code in ("SIG_TAMPERED", "SIG_WRAPPING"):
                for r in ROLES:
                    self.truth("record_signatures", f"{src}|{r}", code, f"{defect}: {detail}", file=src,
                               defect=defect, role=r)
            elif code in ("SIG_SCHEMA_INVALID", "SIG_BEFORE_GRADE_CHANGE"):
                self.truth("signed_records", src, code, detail, file=src, defect=defect, role="*")
            else:
                if detail:
                    what = detail
                elif defect == "missing_signature":
                    what = f"{role} slot left empty"
                else:
                    what = f"{defect}, expected {exp[1]}/{exp[2]}" if exp else defect
                    if defect in VARIANT_DETAIL:
                        what += f" ({VARIANT_DETAIL[defect]})"
                self.truth("record_signatures", f"{src}|{role}", code, what, file=src, defect=defect, role=role)
        if code != "SIG_SCHEMA_INVALID" and not _schema_ok(root):
            problems = validate(data)
            if problems:
                self.truth("signed_records", src, "SIG_SCHEMA_INVALID",
                           f"implied by the grade book's values: {problems[0]}", file=src,
                           defect=None, role="*")
        last = self.book.last_edit.get((e["school_year"], e["pupil_code"]))
        if last is not None and code != "SIG_BEFORE_GRADE_CHANGE" and last > min(times.values()):
            self.truth("signed_records", src, "SIG_BEFORE_GRADE_CHANGE",
                       f"implied: the grade-edit log has an edit at {last:%Y-%m-%d %H:%M}, after a signature",
                       file=src, defect=None, role="*")
        return data

    def check_gvcn_signer(self, root: etree._Element, cred: Credential, code: str | None, src: str, e: dict) -> None:
        """An implied SIG_SIGNER_NOT_GVCN: the class's recorded GVCN is a staff member with a
        personal ID (CLASS_GVCN_NOT_A_TEACHER: 'NV001'), while its real homeroom teacher signs."""
        if code == "SIG_SIGNER_NOT_GVCN" or root.find(f"{HB}DSCKS/{HB}GVCN/{{*}}Signature") is None:
            return
        recorded = self.book.teachers.get(self.book.classes[e["class_name"]]["homeroom_teacher_code"] or "")
        if recorded is None or not recorded["personal_id"]:
            return   # no GVCN, or one without an ID: the roster cannot decide (no truth row)
        uids = [a.value for a in cred.cert.subject.get_attributes_for_oid(NameOID.USER_ID)]
        if f"CCCD:{recorded['personal_id']}" not in uids:
            self.truth("record_signatures", f"{src}|GVCN", "SIG_SIGNER_NOT_GVCN",
                       f"implied: the class's recorded GVCN {recorded['teacher_code']} ({recorded['position']}) "
                       "did not sign; its real homeroom teacher did", file=src, defect=None, role="GVCN")

    def implied_cert_missing(self, holders: dict[str, Holder]) -> None:
        """An implied CERT_MISSING: a class's recorded GVCN who is a staff member has no certificate."""
        for code in sorted({c["homeroom_teacher_code"] or "" for c in self.book.classes.values()} - set(holders)):
            t = self.book.teachers.get(code or "")
            if t is not None:
                self.truth("teachers", code, "CERT_MISSING",
                           f"implied: {code} ({t['position']}) is recorded as a class's GVCN and holds no "
                           "registered certificate")

    def variant(self, defect: str, cred: Credential) -> Credential:
        return issue_variant(self.pki, defect, cred, TIMELINE)

    def write(self, rel: str, data: bytes) -> None:
        path = self.dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def write_manifest(self, manifest: dict[str, tuple[str, int]], unlisted: set[str],
                       extra: list[tuple[str, str, int]]) -> None:
        rows = [(n, h, s) for n, (h, s) in manifest.items() if n not in unlisted] + extra
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(("file", "sha256", "size_bytes"))
        w.writerows(sorted(rows))
        self.write("hoc_ba/manifest.csv", buf.getvalue().encode("utf-8"))


def _schema_ok(root: etree._Element) -> bool:
    """Schema validity without messages (lxml only; :func:`validate` explains the failures)."""
    from hocba_audit.signing.schema import _lxml_schema, default_schema_path

    return _lxml_schema(default_schema_path()).validate(root.getroottree())


def _c14n(rng: random.Random) -> str:
    from hocba_audit.signing.algorithms import C14N10, EXC_C14N

    return rng.choice((C14N10, EXC_C14N))


__all__ = ["ALL_CODES", "CERT_CODES", "CRL_TIME", "CRYPTO_DEFECTS", "FILE_DEFECTS", "Planted", "RECORD_CODES",
           "ROSTER_DEFECTS", "SignedExport", "issue_leaf", "load_scratch", "merge_revocations", "pki_from_state",
           "pki_state", "sign_export"]
