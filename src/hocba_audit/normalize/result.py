"""The outcome of normalising one value: ``Result`` with its ``Note``s or an error code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Note:
    """Something worth telling the user about a value that still loaded."""

    code: str  # stable snake_case, e.g. 'mojibake_tcvn3'
    message: str  # Vietnamese sentence
    suggestion: str | None = None  # e.g. the converted Unicode text


@dataclass(frozen=True)
class Result:
    """A normalised value (None for blank) with notes, or an error code and message."""

    value: object = None
    notes: tuple[Note, ...] = ()
    error: str | None = None  # stable code when the text cannot be read as the kind
    message: str | None = None  # Vietnamese explanation quoting the raw value

    @property
    def ok(self) -> bool:
        return self.error is None


BLANK = Result()


def fail(code: str, message: str, hint: str | None = None, notes: tuple[Note, ...] = ()) -> Result:
    """An error Result; ``hint`` is a did-you-mean candidate appended to the message."""
    if hint:
        message = f"{message} Có phải ý bạn là '{hint}'?"
    return Result(None, notes, code, message)
