"""Verify the signatures of học bạ records (and of any enveloped XML-DSig file).

``verify_document`` follows the record profile of the mapping (default ``mapping-1.yaml``):
each role slot holds one enveloped ``ds:Signature`` whose references must resolve by Id exactly
once, one to the data block at its expected position (the root's only data-block child), one to
its own SignatureProperties with SigningTime. Anything else the references point at (a data
block moved into ``ds:Object`` and a forged one put in its place, say) is signature wrapping and
never yields signed content. ``verify_signatures`` applies the generic checks to third-party files.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree

from .algorithms import ALL_C14N, DIGESTS, DS, ENVELOPED, SIGNATURE_METHODS, WEAK_HASHES, short_name
from .chain import check_chain, weak_key
from .crypto import fast_verify, in_fast_profile, inside, library_verify
from .document import DocumentVerdict, document_status, refused
from .messages import explain
from .identity import SignerIdentity, signer_identity
from .mapping import RecordMapping, load_mapping
from .policy import VerifyPolicy
from .safexml import UnsafeXmlError, parse_secure
from .schema import validate
from .sigparse import MalformedSignature, ParsedSignature, index_ids, parse_signature, signing_certificate
from .trust import TrustStore
from .verdict import Issue, SignatureVerdict, make_verdict

#: (issues, signed SigningTime with its zone, signed block) from a profile check on the references.
ProfileCheck = Callable[[ParsedSignature, list[etree._Element]], tuple[list[Issue], dt.datetime | None,
                                                                        etree._Element | None]]
_IDENTITIES: dict[int, tuple[object, SignerIdentity]] = {}
_MAPPING: list[RecordMapping] = []


def _identity(cert) -> SignerIdentity:  # type: ignore[no-untyped-def]
    # certificates are memoised objects (sigparse.certificate), so identity by object is enough
    hit = _IDENTITIES.get(id(cert))
    if hit is None or hit[0] is not cert:
        hit = _IDENTITIES[id(cert)] = (cert, signer_identity(cert))
    return hit[1]


def parse_signing_time(text: str, fmt: str) -> dt.datetime:
    """SigningTime text to a naive datetime (ValueError when it does not match ``fmt``)."""
    if fmt == "%Y-%m-%dT%H:%M:%S" and len(text) == 19 and text[10] == "T":
        return dt.datetime.fromisoformat(text)
    return dt.datetime.strptime(text, fmt)


def default_mapping() -> RecordMapping:
    if not _MAPPING:
        _MAPPING.append(load_mapping())
    return _MAPPING[0]


def verify_signature(root: etree._Element, sig: etree._Element, ids: dict[str, list[etree._Element]],
                     trust: TrustStore, policy: VerifyPolicy, *, role: str | None,
                     profile: ProfileCheck, id_attribute: str | None,
                     memo: dict | None = None) -> SignatureVerdict:
    """Verify one ``ds:Signature`` of a parsed document (see the module docstring)."""
    empty: dict = dict(signature_id=sig.get("Id"), signing_time_utc=None, algorithms={},
                       crypto_valid=None, crypto_engine=None, signed_elements=(), signed_block=None)
    try:
        ps = parse_signature(sig)
    except MalformedSignature as exc:
        return make_verdict([Issue("malformed", str(exc))], role=role, signer=None, signing_time=None, **empty)
    issues: list[Issue] = []
    leaf = signing_certificate(ps.certificates)
    if leaf is None:
        issues.append(Issue("no_certificate"))
    targets: list[etree._Element] = []
    for ref in ps.references:
        uri = ref.uri
        found = [root] if uri == "" else ids.get(uri[1:], []) if uri and uri.startswith("#") else []
        if len(found) != 1:
            why = "không tìm thấy" if not found else f"trùng Id ({len(found)} phần tử)"
            issues.append(Issue("reference_unresolved", f"{uri!r}: {why}"))
        else:
            targets.append(found[0])
    algorithms = {"c14n": short_name(ps.c14n), "signature": short_name(ps.method),
                  "digest": ",".join(sorted({short_name(r.digest_method) for r in ps.references}))}
    crypto = None
    if leaf is not None and len(targets) == len(ps.references):
        pub = leaf.public_key()
        algorithms["key"] = _key_name(pub)
        if ps.method not in SIGNATURE_METHODS or any(r.digest_method not in DIGESTS for r in ps.references):
            issues.append(Issue("malformed", "thuật toán không hỗ trợ"))
        elif policy.fast_path and in_fast_profile(ps, targets, pub):
            crypto = fast_verify(ps, targets, pub, memo)
        else:
            crypto = library_verify(root, ps, leaf, id_attribute)
        if crypto is not None and not crypto.valid:
            issues.append(Issue(crypto.failure or "malformed", crypto.detail))
    signed_ok = crypto is not None and crypto.valid
    stamp, block = None, None
    if len(targets) == len(ps.references):
        profile_issues, stamp, block = profile(ps, targets)
        issues += profile_issues
    hashes = {SIGNATURE_METHODS.get(ps.method, ("", ""))[1],
              *(DIGESTS.get(r.digest_method or "", "") for r in ps.references)}
    for h in sorted(hashes & WEAK_HASHES):
        issues.append(Issue("weak_hash", h.upper().replace("SHA", "SHA-")))
    signing_time = stamp.replace(tzinfo=None) if stamp else None  # as written (local time)
    signing_utc = stamp.astimezone(dt.timezone.utc) if stamp else None
    anchor, chain_ids = None, ()
    if leaf is not None:
        weak = weak_key(leaf)
        if weak:
            issues.append(Issue("weak_key", weak))
        extra = tuple(c for c in ps.certificates if c is not leaf)
        report = check_chain(leaf, extra, trust, role=role, policy=policy,
                             at=signing_utc or policy.now(), claimed=signing_utc is not None)
        issues += report.issues
        anchor, chain_ids = report.anchor_group, tuple(_identity(c) for c in report.path[1:])
    return make_verdict(
        issues, role=role, signer=_identity(leaf) if leaf is not None else None, signing_time=signing_time,
        signature_id=ps.id, signing_time_utc=signing_utc, algorithms=algorithms,
        crypto_valid=crypto.valid if crypto else None, crypto_engine=crypto.engine if crypto else None,
        signed_elements=tuple(targets) if signed_ok else (), signed_block=block if signed_ok else None,
        anchor_group=anchor, chain=chain_ids)


def _key_name(pub) -> str:  # type: ignore[no-untyped-def]
    if isinstance(pub, rsa.RSAPublicKey):
        return f"rsa{pub.key_size}"
    if isinstance(pub, ec.EllipticCurvePublicKey):
        return f"ec{pub.curve.key_size}"
    return type(pub).__name__


def record_profile(mapping: RecordMapping, block: etree._Element) -> ProfileCheck:
    """The học bạ profile: one reference to ``block`` and one to the signature's own SigningTime."""

    def check(ps: ParsedSignature, targets: list[etree._Element]):  # type: ignore[no-untyped-def]
        issues: list[Issue] = []
        signing_time = None
        data_refs = [(r, t) for r, t in zip(ps.references, targets) if t is block]
        own = [(r, t) for r, t in zip(ps.references, targets) if t is not block and inside(t, ps.element)]
        strays = [(r, t) for r, t in zip(ps.references, targets) if t is not block and not inside(t, ps.element)]
        for r, t in strays or [(r, t) for r, t in own if t.tag == mapping.block_tag]:
            where = "trong chữ ký" if inside(t, ps.element) else "ngoài vị trí quy định"
            issues.append(Issue("wrapping", f"{r.uri} trỏ tới <{etree.QName(t).localname}> {where}"))
        if not data_refs and not issues:
            issues.append(Issue("reference_unresolved", "chữ ký không tham chiếu khối dữ liệu học bạ"))
        for r, _ in data_refs:
            if any(x not in ALL_C14N and x != ENVELOPED for x in r.transforms):
                issues.append(Issue("unsupported_profile", "phép biến đổi không được phép trên khối dữ liệu"))
        stamps = [el for _, t in own for el in t.iter(mapping.signing_time_tag)]
        if len(stamps) != 1:
            issues.append(Issue("signing_time_missing"))
        else:
            text = (stamps[0].text or "").strip()
            try:
                signing_time = parse_signing_time(text, mapping.signing_time_format).replace(
                    tzinfo=mapping.signing_time_zone)
            except ValueError:
                issues.append(Issue("signing_time_malformed", text))
        covers = bool(data_refs) and not any(i.code in ("wrapping", "unsupported_profile") for i in issues)
        return issues, signing_time, block if covers else None

    return check


def verify_document(xml_bytes: bytes, trust: TrustStore, policy: VerifyPolicy | None = None, *,
                    mapping: RecordMapping | None = None, check_schema: bool = False,
                    name: str = "") -> DocumentVerdict:
    """Verify every role signature of one record file.

    Args:
        xml_bytes: the file's bytes (refused if it has a DOCTYPE, is too large or not well-formed).
        trust: anchors, intermediates and CRLs.
        policy: role anchors and strictness (default :class:`VerifyPolicy`).
        mapping: record profile (default ``audits/schemas/mapping-1.yaml``).
        check_schema: also validate against the mapping's XSD.
        name: a label for reports (e.g. the file name).

    Returns:
        A :class:`DocumentVerdict`; a refused or foreign file is a verdict too (UNREADABLE,
        NOT_A_RECORD), never an exception.
    """
    policy = policy or VerifyPolicy()
    mapping = mapping or default_mapping()
    try:
        tree = parse_secure(xml_bytes, max_bytes=policy.max_bytes)
    except UnsafeXmlError as exc:
        return refused(name, "unreadable", exc.message)
    root = tree.getroot()
    blocks = root.findall(mapping.block_tag)
    container = root.find(mapping.container_tag)
    if root.tag != mapping.root_tag or len(blocks) != 1 or container is None:
        return refused(name, "not_a_record", f"phần tử gốc <{etree.QName(root).localname}>")
    block = blocks[0]
    ids = index_ids(root, (mapping.id_attribute,))
    profile = record_profile(mapping, block)
    memo: dict = {}
    verdicts: dict[str, SignatureVerdict] = {}
    missing = []
    in_slots = set()
    for role, tag in mapping.slot_tags.items():
        slot = container.find(tag)
        sigs = slot.findall(DS + "Signature") if slot is not None else []
        if not sigs:
            if role in policy.required_roles:
                missing.append(role)
            continue
        in_slots.update(sigs)
        verdicts[role] = verify_signature(root, sigs[0], ids, trust, policy, role=role, profile=profile,
                                          id_attribute=mapping.id_attribute, memo=memo)
    problems = tuple(validate(tree, schema_path=mapping.schema_path)) if check_schema else ()
    stray = [s for s in root.iter(DS + "Signature") if s not in in_slots]
    findings: tuple = ()
    if stray:
        findings = (("unexpected_signature", *explain("unexpected_signature", detail=str(len(stray)))),)
    covered = any(v.signed_block is block for v in verdicts.values())
    return DocumentVerdict(
        name=name, status=document_status(verdicts, tuple(missing), problems), signatures=verdicts,
        missing_roles=tuple(missing), schema_problems=problems, findings=findings,
        record_id=block.get(mapping.id_attribute), level=mapping.level(block) or None,
        signed_block=block if covered else None)
