"""Signed học bạ records: provisional schema, synthetic PKI, signing, verification, defect corpus.

Public API (issue 4):

* :func:`verify_document` (record profile) and :func:`verify_signatures` (any enveloped XML-DSig),
  giving ETSI EN 319 102-1-style verdicts (:class:`SignatureVerdict`, :class:`DocumentVerdict`);
* :class:`TrustStore` (anchors per group, intermediates, CRLs from a folder) and
  :class:`VerifyPolicy` (anchors allowed per role, strictness);
* :func:`validate` (schema) and :func:`load_mapping` / :func:`extract_rows` (XML -> canonical rows);
* :func:`build_record` and :func:`sign_role` (writing), :class:`SyntheticPKI` (test PKI),
  :func:`generate_corpus` (defect corpus with truth).
"""

from __future__ import annotations

from .corpus import Corpus, generate_corpus
from .document import DocumentVerdict
from .generic import verify_signatures
from .identity import SignerIdentity, signer_identity
from .mapping import RecordMapping, extract_rows, load_mapping
from .pki import Credential, SyntheticPKI
from .policy import VerifyPolicy
from .record import build_record, to_bytes
from .safexml import UnsafeXmlError, parse_secure
from .schema import SchemaProblem, validate
from .sign import sign_role
from .trust import TrustStore
from .verdict import Indication, SignatureVerdict, SubIndication
from .verify import verify_document

__all__ = [
    "Corpus", "Credential", "DocumentVerdict", "Indication", "RecordMapping", "SchemaProblem",
    "SignatureVerdict", "SignerIdentity", "SubIndication", "SyntheticPKI", "TrustStore",
    "UnsafeXmlError", "VerifyPolicy", "build_record", "extract_rows", "generate_corpus",
    "load_mapping", "parse_secure", "sign_role", "signer_identity", "to_bytes", "validate",
    "verify_document", "verify_signatures",
]
