"""Errors: one base class and one subclass per phase. Data-quality failures are never errors."""

from __future__ import annotations


class HocbaAuditError(Exception):
    """Base of every error hocba-audit raises on purpose."""


class ProfileError(HocbaAuditError):
    """A vendor profile file under audits/profiles/ is malformed."""


class LoadError(HocbaAuditError):
    """An input file or export cannot be read at all."""

    def __init__(self, code: str, message: str, *, file: str = "", sheet: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.file = file
        self.sheet = sheet


class CatalogueError(HocbaAuditError):
    """The rule catalogue is malformed; the message lists every problem as file:line."""


class ReportError(HocbaAuditError):
    """A report notebook failed; keeps the failing cell and the partial notebook's path."""

    def __init__(self, message: str, *, cell: int | None = None, notebook: str | None = None) -> None:
        super().__init__(message)
        self.cell = cell
        self.notebook = notebook
