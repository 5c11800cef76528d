"""What the traces share: which events count, lookups, lists as one parameter, names,
record views.

Statements are built once per database (``statements(conn, build)``) with bind
parameters, so a trace spends its time in the database, not in building SQL: SQLAlchemy
memoizes the cache key of a statement object, and the compiled form is cached on the
engine. A list of values (lot ids, keys) is ONE parameter whatever its length — an array
on PostgreSQL (``= ANY(:ids)``), a JSON array read with ``json_each`` on SQLite — so no
statement ever approaches PostgreSQL's limit of 65,535 parameters, and the SQL text does
not change with the length of the list (psycopg prepares statements it sees often).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa

from suyuan.domain.access import Actor, Role
from suyuan.domain.events import identifier_key
from suyuan.domain.operations import PARTY_BASE, STAGE_BASE
from suyuan.domain.profiles import find_profile
from suyuan.errors import InvalidIdentifier, NotFound
from suyuan.identifiers.forms import parse_code
from suyuan.storage.bulk import in_list
from suyuan.storage.tables import (
    enterprises,
    event_corrections,
    events,
    locations,
    lot_edges,
    lots,
    records,
)

_STAGES = {"receiving": "raw_material", "commissioning": "production_batch"}
MOVEMENT_STEPS = (
    "shipping",
    "receiving",
    "retail_selling",
    "departing",
    "arriving",
    "accepting",
    "transporting",
    "loading",
    "unloading",
)
MAX_DEPTH = 64
MAX_NESTING = 6  # bottle → case → pallet → load …: how far flow climbs
T = TypeVar("T")


class TraceNotFound(NotFound):
    """The code or batch is not known to the store."""

    code = "trace_not_found"


# --- statements, once per database ------------------------------------------------------------

_BUILT: dict[tuple[Callable[[str], Any], str], Any] = {}


def statements(conn: sa.Connection, build: Callable[[str], T]) -> T:
    """What ``build(dialect_name)`` returns, built once per database kind."""
    dialect = conn.dialect.name
    found = _BUILT.get((build, dialect))
    if found is None:
        found = _BUILT[(build, dialect)] = build(dialect)
    return found


def binary(column: sa.ColumnElement[str], dialect: str) -> sa.ColumnElement[str]:
    """``column`` compared byte by byte (as Python sorts str), whatever the collation."""
    return column.collate("C") if dialect == "postgresql" else column


# A recall scope groups a million units: with the default work_mem (4 MB) its aggregates
# spill to disk. (No JIT is a setting of every PostgreSQL connection: storage/engine.py.)
_LARGE = sa.text("SELECT set_config('work_mem', '64MB', true)")


def allow_large_aggregate(conn: sa.Connection) -> None:
    """On PostgreSQL, one statement: 64 MB of work_mem until the caller's transaction ends
    (``set_config(..., true)`` is ``SET LOCAL``). Nothing to do on SQLite."""
    if conn.dialect.name == "postgresql":
        conn.execute(_LARGE)


def number(value: int) -> sa.ColumnElement[int]:
    """An integer written into the SQL, not bound: a depth step or limit that never
    changes, so PostgreSQL's plan for a prepared statement does not depend on it."""
    return sa.literal_column(str(int(value)), sa.Integer())


# --- what counts ---------------------------------------------------------------------------


def withdrawn() -> sa.CompoundSelect[Any]:
    """Events that do not count: those declared in error, and the declarations themselves.

    A correction is a new event (errorDeclaration + corrective events); the projections
    keep what the wrong event wrote, so every trace leaves it out here. Both parts are
    tiny (declarations are rare and have the partial index ``ix_events_declarations``),
    so each statement reads them once, in the database.
    """
    declared = sa.select(event_corrections.c.event_pk)
    # Written as the partial index ix_events_declarations is, so both databases use it.
    declarations = sa.select(events.c.id).where(events.c.has_error_declaration == sa.true())
    return sa.union_all(declared, declarations)


def each_step(
    condition: sa.ColumnElement[bool], depth: sa.ColumnElement[Any], dialect: str
) -> sa.ColumnElement[bool]:
    """``condition`` on the table joined in the recursive step of a CTE, checked row by row.

    SQLite cannot estimate the rows of a recursive CTE and assumes many; when a filter
    of the step depends on the joined table alone it then builds a Bloom filter over that
    whole table at every execution (all of lot_edges, or event_epcs below a few million
    rows: milliseconds to seconds per trace). Tied to the CTE row (``OR depth < 0``, never
    true) the filter stays a check per row. PostgreSQL gets the plain condition (the OR
    spoils its plans).
    """
    return condition if dialect == "postgresql" else sa.or_(condition, depth < number(0))


def counted_edges() -> sa.Subquery:
    """Lot edges of events that still count."""
    return (
        sa.select(lot_edges.c.input_lot_id, lot_edges.c.output_lot_id)
        .where(lot_edges.c.event_pk.not_in(withdrawn()))
        .subquery("edges")
    )


def stage_name(biz_step: str | None) -> str | None:
    """A short stage name for a lot from the business step that created it."""
    if biz_step is None:
        return None
    if biz_step.startswith(STAGE_BASE):
        return biz_step[len(STAGE_BASE) :]
    return _STAGES.get(biz_step, biz_step.rsplit("/", 1)[-1])


# --- resolving what the user typed -----------------------------------------------------------


def resolve_unit_key(text: str) -> str | None:
    """The canonical key of a printed unit or container code, or None if it is no code."""
    try:
        return parse_code(text).key.path
    except InvalidIdentifier:
        return None


@dataclass(frozen=True)
class _LotLookups:
    by_key: sa.Select[Any]
    by_number: sa.Select[Any]


def _lot_lookups(dialect: str) -> _LotLookups:
    return _LotLookups(
        by_key=sa.select(lots).where(in_list(lots.c.key, "keys", dialect, sa.String())),
        by_number=sa.select(lots)
        .where(lots.c.lot == sa.bindparam("lot"))
        .order_by(lots.c.id)
        .limit(number(1)),
    )


def find_lot(conn: sa.Connection, text: str) -> sa.Row[Any] | None:
    """A lot given as GTIN:LOT, a lot Digital Link / EPC class, a key, or a bare lot number."""
    candidates = [text.strip()]
    if ":" in text and not text.startswith(("http", "urn:", "/")):
        gtin, lot = text.split(":", 1)
        candidates.append(f"/01/{gtin.strip().zfill(14)}/10/{lot.strip()}")
    else:
        candidates.append(identifier_key(text.strip()))
    lookups = statements(conn, _lot_lookups)
    row = conn.execute(lookups.by_key, {"keys": candidates}).first()
    if row is None:
        row = conn.execute(lookups.by_number, {"lot": text.strip()}).first()
    return row


# --- names of holders, parties and places ----------------------------------------------------


def holder_of(row: Any) -> dict[str, Any] | None:
    """The holder of a unit row joined with ``holder_columns()`` (None if unknown)."""
    if row.holder_slug is None:
        return None
    return {
        "id": row.holder_id,
        "slug": row.holder_slug,
        "name": row.holder_name,
        "role": row.holder_role,
    }


def holder_columns() -> list[sa.ColumnElement[Any]]:
    """The enterprise columns ``holder_of`` reads (outer-join ``enterprises`` on the holder)."""
    return [
        enterprises.c.slug.label("holder_slug"),
        enterprises.c.name.label("holder_name"),
        enterprises.c.role.label("holder_role"),
    ]


@dataclass
class Names:
    """Enterprise and location names, looked up once per trace for what it shows."""

    enterprises: dict[int, dict[str, Any]] = field(default_factory=dict)
    slugs: dict[str, dict[str, Any]] = field(default_factory=dict)
    places: dict[str, str] = field(default_factory=dict)

    def party(self, uri: str | None) -> dict[str, Any] | None:
        if not uri:
            return None
        if uri.startswith(PARTY_BASE):
            found = self.slugs.get(uri[len(PARTY_BASE) :])
            if found:
                return {"id": uri, "name": found["name"], "enterprise": found["slug"]}
        return {"id": uri, "name": self.places.get(uri, uri)}

    def holder(self, tenant_id: int | None) -> dict[str, Any] | None:
        found = self.enterprises.get(tenant_id or -1)
        if found is None:
            return None
        return {
            "id": tenant_id,
            "slug": found["slug"],
            "name": found["name"],
            "role": found["role"],
        }


def _names_statement(dialect: str) -> sa.CompoundSelect[Any]:
    by_enterprise = sa.select(
        sa.literal_column("'e'").label("kind"),
        enterprises.c.id,
        enterprises.c.slug.label("ref"),
        enterprises.c.name,
        enterprises.c.role,
    ).where(
        sa.or_(
            in_list(enterprises.c.id, "ids", dialect, sa.BigInteger()),
            in_list(enterprises.c.slug, "slugs", dialect, sa.String()),
        )
    )
    by_place = sa.select(
        sa.literal_column("'l'"),
        sa.null(),
        locations.c.uri,
        locations.c.name,
        sa.null(),
    ).where(in_list(locations.c.uri, "uris", dialect, sa.String()))
    return sa.union_all(by_enterprise, by_place)


def load_names(
    conn: sa.Connection, *, ids: Iterable[int], parties: Iterable[str], places: Iterable[str]
) -> Names:
    """The enterprises (by id, or by party URI) and locations (by URI) a trace shows."""
    slugs = sorted({p[len(PARTY_BASE) :] for p in parties if p.startswith(PARTY_BASE)})
    params = {"ids": sorted(set(ids)), "slugs": slugs, "uris": sorted(set(places))}
    names = Names()
    if not any(params.values()):
        return names
    for row in conn.execute(statements(conn, _names_statement), params):
        if row.kind == "l":
            names.places[row.ref] = row.name
        else:
            found = {"id": row.id, "slug": row.ref, "name": row.name, "role": row.role}
            names.enterprises[row.id] = found
            names.slugs[row.ref] = found
    return names


# --- records, as the actor may see them -------------------------------------------------------


def can_see_all(actor: Actor, tenant_id: int) -> bool:
    """Whether ``actor`` sees the internal fields of ``tenant_id``'s records."""
    return (
        actor.is_system
        or actor.enterprise_id == tenant_id
        or (actor.is_platform and Role.REGULATOR in actor.roles)
    )


def _public_fields(profile_id: str, record_type: str) -> set[str]:
    profile = find_profile(profile_id)
    found = None if profile is None else profile.find_record_type(record_type)
    return set() if found is None else {f.name for f in found.fields if f.public}


def _records_statement(dialect: str) -> sa.Select[Any]:
    return (
        sa.select(records)
        .where(
            in_list(records.c.subject, "subjects", dialect, sa.String()),
            sa.or_(records.c.event_pk.is_(None), records.c.event_pk.not_in(withdrawn())),
        )
        .order_by(records.c.id)
    )


def records_for(
    conn: sa.Connection, subjects: Sequence[str], actor: Actor
) -> dict[str, list[dict[str, Any]]]:
    """Records about each subject (unit, container or lot key) that still count."""
    found: dict[str, list[dict[str, Any]]] = {}
    if not subjects:
        return found
    public: dict[tuple[str, str], set[str]] = {}
    rows = conn.execute(statements(conn, _records_statement), {"subjects": list(subjects)})
    for row in rows:
        data = dict(row.data)
        full = can_see_all(actor, row.tenant_id)
        if not full:
            shown = public.get((row.profile, row.record_type))
            if shown is None:
                shown = public[(row.profile, row.record_type)] = _public_fields(
                    row.profile, row.record_type
                )
            data = {k: v for k, v in data.items() if k in shown}
        found.setdefault(row.subject, []).append(
            {
                "id": row.id,
                "type": row.record_type,
                "subject": row.subject,
                "enterprise_id": row.tenant_id,
                "data": data,
                "internal": full,
            }
        )
    return found
