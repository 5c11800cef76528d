"""Import from existing systems (QBT-4.3): CSV and XLSX files of master data and records.

Every row is checked before anything is written; errors name the row and the column.
Then the whole file is written in one transaction: nothing is half-imported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from suyuan.domain import operations as ops
from suyuan.domain.access import Actor
from suyuan.domain.profiles import (
    InvalidRecord,
    Profile,
    get_profile,
    record_to_epcis,
    validate_record,
)
from suyuan.domain.profiles.model import AttachesTo
from suyuan.errors import InvalidInput, SuyuanError
from suyuan.services.enterprises import NewEnterprise, add_enterprise, get_enterprise
from suyuan.services.operations import OperationContext, to_epc, to_lot
from suyuan.services.products import add_product
from suyuan.services.records import add_master_record
from suyuan.storage.uow import UnitOfWork

ENTERPRISE_COLUMNS = (
    "slug",
    "name",
    "role",
    "gs1_company_prefix",
    "idis_prefix",
    "address",
    "region",
    "licence",
    "phone",
    "website",
    "profile",
)
PRODUCT_COLUMNS = ("gtin", "name", "category", "packaging")
SUBJECT_COLUMNS = ("lot", "code", "time")


class ImportRejected(InvalidInput):
    """A file has bad rows; ``errors`` lists each as (row, column, message)."""

    code = "import_rejected"

    def __init__(self, source: str, errors: list[dict[str, Any]]) -> None:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(
            f"{source}: row {first['row']}, column {first['column']}: {first['message']}{more}; "
            "nothing was imported",
            detail={"errors": errors},
        )
        self.errors = errors


@dataclass
class ImportResult:
    """What an import wrote."""

    kind: str
    rows: int
    created: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"type": self.kind, "rows": self.rows, "created": self.created}


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV (UTF-8, with or without BOM) or XLSX file (first sheet), header first."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return list(_xlsx_rows(path))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            {k.strip(): (v or "").strip() for k, v in row.items() if k}
            for row in csv.DictReader(handle)
        ]


def _xlsx_rows(path: Path) -> Iterator[dict[str, str]]:
    from openpyxl import load_workbook

    sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    for values in rows:
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        yield {
            h: "" if v is None else str(v).strip()
            for h, v in zip(header, values, strict=False)
            if h
        }


def template(kind: str, profile: Profile) -> list[str]:
    """The header row of an import template for ``kind``."""
    if kind == "enterprises":
        return list(ENTERPRISE_COLUMNS)
    if kind == "products":
        extra = [f.name for f in profile.product_fields if f.name not in PRODUCT_COLUMNS]
        return [*PRODUCT_COLUMNS, *extra]
    record_type = profile.get_record_type(kind)
    subject = (
        []
        if record_type.attaches_to not in (AttachesTo.LOT, AttachesTo.UNIT, AttachesTo.EVENT)
        else list(SUBJECT_COLUMNS)
    )
    return [*subject, *(f.name for f in record_type.fields)]


def write_template(kind: str, profile: Profile, out: Path) -> None:
    """Write an empty CSV or XLSX template: the header row an import of ``kind`` expects."""
    header = template(kind, profile)
    if out.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(header)
        book.save(out)
        return
    buffer = io.StringIO()
    csv.writer(buffer).writerow(header)
    out.write_text(buffer.getvalue(), encoding="utf-8-sig")


def _check_columns(
    rows: list[dict[str, str]],
    allowed: Sequence[str],
    required: Sequence[str],
    errors: list[dict[str, Any]],
) -> None:
    if not rows:
        errors.append({"row": 1, "column": "-", "message": "the file has no data rows"})
        return
    present = set(rows[0])
    for column in required:
        if column not in present:
            errors.append({"row": 1, "column": column, "message": "required column missing"})
    for column in sorted(present - set(allowed)):
        errors.append({"row": 1, "column": column, "message": "unknown column"})


def import_file(
    make_uow: Callable[[], UnitOfWork],
    actor: Actor,
    *,
    path: Path,
    kind: str,
    tenant_id: int | None,
    key_dir: Path | None = None,
) -> ImportResult:
    """Import one file of ``kind``: enterprises, products, or a profile record type."""
    rows = read_rows(path)
    if kind == "enterprises":
        return _import_enterprises(make_uow, actor, rows, str(path))
    if tenant_id is None:
        raise InvalidInput("name the enterprise the data belongs to (--enterprise)")
    with make_uow() as uow:
        profile = get_profile(get_enterprise(uow, actor, tenant_id).profile)
    if kind == "products":
        return _import_products(make_uow, actor, rows, str(path), tenant_id, profile)
    return _import_records(make_uow, actor, rows, str(path), tenant_id, profile, kind, key_dir)


def _row_errors(
    row_number: int, exc: SuyuanError, column: str | None = None
) -> list[dict[str, Any]]:
    if isinstance(exc, InvalidRecord):
        return [{"row": row_number, "column": e.field, "message": e.message} for e in exc.errors]
    detail = exc.detail or {}
    return [
        {"row": row_number, "column": column or detail.get("field") or "-", "message": str(exc)}
    ]


def _write_rows(
    make_uow: Callable[[], UnitOfWork],
    rows: list[dict[str, str]],
    source: str,
    result: ImportResult,
    write: Callable[[UnitOfWork, dict[str, str]], str],
    column_of: Callable[[SuyuanError], str | None] = lambda _exc: None,
) -> ImportResult:
    """Write every row in one transaction; any failing row rolls all of them back."""
    errors: list[dict[str, Any]] = []
    with make_uow() as uow, uow.all_or_nothing():
        for number, row in enumerate(rows, start=2):
            try:
                result.created.append(write(uow, row))
            except SuyuanError as exc:
                errors += _row_errors(number, exc, column_of(exc))
        if errors:
            raise ImportRejected(source, errors)
    return result


def _import_enterprises(
    make_uow: Callable[[], UnitOfWork], actor: Actor, rows: list[dict[str, str]], source: str
) -> ImportResult:
    errors: list[dict[str, Any]] = []
    _check_columns(rows, ENTERPRISE_COLUMNS, ("slug", "name"), errors)
    if errors:
        raise ImportRejected(source, errors)

    def write(uow: UnitOfWork, row: dict[str, str]) -> str:
        values = {k: v for k, v in row.items() if v}
        return add_enterprise(uow, actor, NewEnterprise(**values)).slug

    return _write_rows(make_uow, rows, source, ImportResult("enterprises", len(rows)), write)


def _import_products(
    make_uow: Callable[[], UnitOfWork],
    actor: Actor,
    rows: list[dict[str, str]],
    source: str,
    tenant_id: int,
    profile: Profile,
) -> ImportResult:
    errors: list[dict[str, Any]] = []
    attribute_names = [f.name for f in profile.product_fields]
    _check_columns(rows, [*PRODUCT_COLUMNS, *attribute_names], ("gtin", "name"), errors)
    if errors:
        raise ImportRejected(source, errors)

    def write(uow: UnitOfWork, row: dict[str, str]) -> str:
        return add_product(
            uow,
            actor,
            tenant_id=tenant_id,
            gtin=row["gtin"],
            name=row["name"],
            category=row.get("category") or "default",
            packaging=row.get("packaging", ""),
            attributes={k: row[k] for k in attribute_names if row.get(k)},
        ).gtin

    return _write_rows(
        make_uow,
        rows,
        source,
        ImportResult("products", len(rows)),
        write,
        lambda exc: "gtin" if "GTIN" in str(exc) else None,
    )


def _import_records(
    make_uow: Callable[[], UnitOfWork],
    actor: Actor,
    rows: list[dict[str, str]],
    source: str,
    tenant_id: int,
    profile: Profile,
    kind: str,
    key_dir: Path | None,
) -> ImportResult:
    record_type = profile.get_record_type(kind)
    errors: list[dict[str, Any]] = []
    fields = [f.name for f in record_type.fields]
    required = [f.name for f in record_type.fields if f.required]
    in_events = record_type.attaches_to in (AttachesTo.LOT, AttachesTo.UNIT, AttachesTo.EVENT)
    allowed = [*fields, *(SUBJECT_COLUMNS if in_events else ()), "extra"]
    _check_columns(rows, allowed, required, errors)
    if errors:
        raise ImportRejected(source, errors)
    validated = []
    for number, row in enumerate(rows, start=2):
        data = {k: v for k, v in row.items() if v and k in fields}
        try:
            validated.append((number, row, validate_record(profile, record_type.id, data)))
        except SuyuanError as exc:
            errors += _row_errors(number, exc)
        if in_events and not (row.get("lot") or row.get("code")):
            errors.append(
                {
                    "row": number,
                    "column": "lot",
                    "message": "say what the record is about: a lot (GTIN:LOT) or a code",
                }
            )
    if errors:
        raise ImportRejected(source, errors)
    result = ImportResult(record_type.id, len(rows))
    if not in_events:
        with make_uow() as uow, uow.all_or_nothing():
            for _number, _row, record in validated:
                stored = add_master_record(
                    uow,
                    actor,
                    tenant_id=tenant_id,
                    record_type=record.type_id,
                    data=record.as_dict(),
                )
                result.created.append(str(stored.id))
        return result
    events = []
    for number, row, record in validated:
        try:
            where = ops.Where(time=_time(row.get("time")))
            events.append(
                ops.record_only(
                    where,
                    subjects=[to_epc(row["code"])] if row.get("code") else [],
                    quantity_classes=[to_lot(row["lot"])] if row.get("lot") else [],
                    records=[record_to_epcis(record)],
                )
            )
        except SuyuanError as exc:
            errors += _row_errors(number, exc, "code" if row.get("code") else "lot")
    if errors:
        raise ImportRejected(source, errors)
    octx = OperationContext(make_uow, actor, tenant_id, key_dir=key_dir)
    captured = octx.capture(events, name=f"import {source}")
    result.created = captured.event_ids
    return result


def _time(text: str | None) -> Any:
    from datetime import datetime

    from suyuan.services.clock import now

    if not text:
        return now()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"time {text!r}: not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise InvalidInput(f"time {text!r}: needs a time zone offset")
    return moment
