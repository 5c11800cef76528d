"""Errors raised by industry profiles: invalid records, unknown profiles and record types."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from suyuan.errors import InvalidInput, NotFound


@dataclass(frozen=True, slots=True)
class FieldError:
    """One broken rule in one field of a record, e.g. ``T5 methanol: required``."""

    table: str
    field: str
    rule: str
    message: str


class InvalidRecord(InvalidInput):
    """A record breaks one or more rules of its record type; ``errors`` lists them all."""

    code = "invalid_record"

    def __init__(self, record_type: str, errors: Sequence[FieldError]) -> None:
        super().__init__(
            "; ".join(error.message for error in errors),
            detail={"record_type": record_type, "errors": [asdict(error) for error in errors]},
        )
        self.record_type = record_type
        self.errors = list(errors)


class ProfileNotFound(NotFound):
    """No industry profile is registered under this id."""

    code = "profile_not_found"

    def __init__(self, profile_id: str) -> None:
        super().__init__(f"no profile {profile_id!r}", detail={"profile": profile_id})
        self.profile_id = profile_id


class UnknownRecordType(NotFound):
    """The profile declares no record type with this key or table id."""

    code = "unknown_record_type"

    def __init__(self, profile_id: str, record_type: str) -> None:
        super().__init__(
            f"profile {profile_id!r} has no record type {record_type!r}",
            detail={"profile": profile_id, "record_type": record_type},
        )
        self.profile_id = profile_id
        self.record_type = record_type


class UnknownCategory(InvalidInput):
    """The profile declares no product category with this name."""

    code = "unknown_category"

    def __init__(self, profile_id: str, category: str, known: Sequence[str]) -> None:
        super().__init__(
            f"profile {profile_id!r} has no product category {category!r}"
            f" (known: {', '.join(known)})",
            detail={"profile": profile_id, "category": category, "known": list(known)},
        )


class InvalidProfile(InvalidInput):
    """A profile is inconsistent (duplicate keys, dangling references) and cannot be registered."""

    code = "invalid_profile"

    def __init__(self, profile_id: str, problems: Sequence[str]) -> None:
        super().__init__(
            f"profile {profile_id!r} is invalid: " + "; ".join(problems),
            detail={"profile": profile_id, "problems": list(problems)},
        )
        self.problems = list(problems)
