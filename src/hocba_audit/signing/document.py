"""The verdict on one record file: a verdict per role slot, missing roles, schema problems, status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from .messages import explain
from .schema import SchemaProblem
from .verdict import Indication, SignatureVerdict

#: Document statuses, most severe first.
STATUSES = ("UNREADABLE", "NOT_A_RECORD", "INVALID", "INDETERMINATE", "INCOMPLETE", "SCHEMA_INVALID", "VALID")


@dataclass
class DocumentVerdict:
    """Everything the verifier found in one record file.

    ``signed_block`` is the data block when at least one signature was verified to cover it
    (digests and signature value) at its expected position: later content checks read only this
    element, so nothing unsigned (e.g. a forged block beside a wrapped original) is audited.
    """

    name: str
    status: str
    signatures: dict[str, SignatureVerdict]
    missing_roles: tuple[str, ...] = ()
    schema_problems: tuple[SchemaProblem, ...] = ()
    findings: tuple[tuple[str, str, str], ...] = ()   # (code, explanation, action), document level
    record_id: str | None = None
    level: str | None = None
    signed_block: etree._Element | None = None

    @property
    def valid(self) -> bool:
        return self.status == "VALID"

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per role slot (present or missing), for reports and roster joins."""
        out = []
        for role, v in self.signatures.items():
            out.append({"file": self.name, "record_id": self.record_id, "status": self.status, **v.as_row()})
        for role in self.missing_roles:
            expl, action = explain("missing_signature", role=role)
            out.append({"file": self.name, "record_id": self.record_id, "status": self.status,
                        "role": role, "indication": None, "sub_indication": None,
                        "code": "missing_signature", "explanation": expl, "action": action})
        return out


def document_status(signatures: dict[str, SignatureVerdict], missing: tuple[str, ...],
                    schema_problems: tuple[SchemaProblem, ...]) -> str:
    """The most severe of: a failed signature, an indeterminate one, a missing role, a schema error."""
    indications = {v.indication for v in signatures.values()}
    if Indication.TOTAL_FAILED in indications:
        return "INVALID"
    if Indication.INDETERMINATE in indications:
        return "INDETERMINATE"
    if missing:
        return "INCOMPLETE"
    if schema_problems:
        return "SCHEMA_INVALID"
    return "VALID"


def refused(name: str, code: str, detail: str) -> DocumentVerdict:
    """A verdict for a file that could not be taken as a record at all."""
    expl, action = explain(code, detail=detail)
    status = "UNREADABLE" if code == "unreadable" else "NOT_A_RECORD"
    return DocumentVerdict(name=name, status=status, signatures={}, findings=((code, expl, action),))
