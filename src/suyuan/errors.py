"""The one error hierarchy of suyuan; each edge (CLI, API, web) maps it once."""

from __future__ import annotations

from typing import Any


class SuyuanError(Exception):
    """Base of every error suyuan raises on purpose.

    ``code`` is a stable machine-readable name; ``detail`` carries structured
    facts (the input, the field, the rule) for API clients.
    """

    code = "error"

    def __init__(self, message: str, *, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail: dict[str, Any] = detail or {}

    def __str__(self) -> str:
        return self.message


class NotFound(SuyuanError):
    """Something named by the caller does not exist (or is not visible to them)."""

    code = "not_found"


class Conflict(SuyuanError):
    """The request contradicts the current state."""

    code = "conflict"


class InvalidInput(SuyuanError):
    """The input is malformed or breaks a rule."""

    code = "invalid_input"


class PermissionDenied(SuyuanError):
    """The caller may not do this."""

    code = "permission_denied"


class Unauthenticated(PermissionDenied):
    """No valid credentials were given."""

    code = "unauthenticated"


class InvalidIdentifier(InvalidInput):
    """A GS1, EPC or industrial-internet identifier is malformed."""

    code = "invalid_identifier"

    def __init__(self, text: str, reason: str, *, kind: str = "identifier") -> None:
        super().__init__(
            f"invalid {kind} {text!r}: {reason}",
            detail={"input": text, "kind": kind, "reason": reason},
        )
        self.text = text
        self.reason = reason
        self.kind = kind


class SchemaMissing(SuyuanError):
    """The database has no schema, or an old one: run `suyuan db upgrade`."""

    code = "schema_missing"
