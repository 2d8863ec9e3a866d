"""XML-DSig algorithm identifiers, their implementations and the algorithm floor (domain.md §5.6)."""

from __future__ import annotations

import hashlib

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
DS = f"{{{DS_NS}}}"

C14N10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N10_COMMENTS = C14N10 + "#WithComments"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
EXC_C14N_COMMENTS = EXC_C14N + "WithComments"
C14N11 = "http://www.w3.org/2006/12/xml-c14n11"
C14N11_COMMENTS = C14N11 + "#WithComments"
ENVELOPED = DS_NS + "enveloped-signature"
SIGNATURE_PROPERTIES_TYPE = DS_NS + "SignatureProperties"

MD5 = "http://www.w3.org/2001/04/xmldsig-more#md5"
SHA1 = DS_NS + "sha1"
SHA224 = "http://www.w3.org/2001/04/xmldsig-more#sha224"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"

RSA_MD5 = "http://www.w3.org/2001/04/xmldsig-more#rsa-md5"
RSA_SHA1 = DS_NS + "rsa-sha1"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
ECDSA_SHA1 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
ECDSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"
ECDSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"

#: Canonicalization methods a record's references may use (no XPath/XSLT transforms).
ALL_C14N = frozenset({C14N10, C14N10_COMMENTS, EXC_C14N, EXC_C14N_COMMENTS, C14N11, C14N11_COMMENTS})

#: Digest URIs -> hashlib name.
DIGESTS: dict[str, str] = {
    MD5: "md5",
    SHA1: "sha1",
    SHA224: "sha224",
    SHA256: "sha256",
    SHA384: "sha384",
    SHA512: "sha512",
}

#: Signature method URIs -> (key family, hashlib name).
SIGNATURE_METHODS: dict[str, tuple[str, str]] = {
    RSA_MD5: ("rsa", "md5"),
    RSA_SHA1: ("rsa", "sha1"),
    RSA_SHA256: ("rsa", "sha256"),
    RSA_SHA384: ("rsa", "sha384"),
    RSA_SHA512: ("rsa", "sha512"),
    ECDSA_SHA1: ("ec", "sha1"),
    ECDSA_SHA256: ("ec", "sha256"),
    ECDSA_SHA384: ("ec", "sha384"),
    ECDSA_SHA512: ("ec", "sha512"),
}

#: Hashes below the Vietnamese floor (TT 15/2025/TT-BKHCN draft Annex I: SHA-224 or stronger).
WEAK_HASHES = frozenset({"md5", "sha1"})
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256

#: Short names used in verdicts and reports.
SHORT_NAMES: dict[str, str] = {
    C14N10: "c14n", C14N10_COMMENTS: "c14n#comments", EXC_C14N: "exc-c14n",
    EXC_C14N_COMMENTS: "exc-c14n#comments", C14N11: "c14n11", C14N11_COMMENTS: "c14n11#comments",
    **{uri: name for uri, name in DIGESTS.items()},
    **{uri: f"{fam}-{h}" for uri, (fam, h) in SIGNATURE_METHODS.items()},
}


def short_name(uri: str | None) -> str:
    """A short readable name for an algorithm URI ('rsa-sha256', 'exc-c14n'), or the URI itself."""
    if uri is None:
        return ""
    return SHORT_NAMES.get(uri, uri)


def digest(uri: str, data: bytes) -> bytes:
    """Digest ``data`` with the algorithm named by ``uri`` (KeyError for an unknown URI)."""
    return hashlib.new(DIGESTS[uri], data).digest()
