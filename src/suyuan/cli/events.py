"""`suyuan capture`, `suyuan events`, `suyuan verify`, `suyuan ledger`: the event store."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from suyuan.capture import read_document, stream_events
from suyuan.capture.hashing import event_hash
from suyuan.capture.limits import Limits
from suyuan.cli.app import runtime_of
from suyuan.cli.enterprises import JSON, enterprise_ref
from suyuan.cli.output import console, err_console, print_json, print_table
from suyuan.domain.access import Actor
from suyuan.errors import InvalidInput
from suyuan.queries.events import parse_query, query_events
from suyuan.services.capture import (
    Behaviour,
    CaptureRejected,
    CaptureResult,
    capture_document,
    rejected_events,
)
from suyuan.services.enterprises import resolve_tenant
from suyuan.services.ledger import proof_for_event, tenants_with_ledgers, verify_tenant

events_app = typer.Typer(help="Query stored events and hash EPCIS documents.", no_args_is_help=True)
ledger_app = typer.Typer(
    help="Inclusion proofs of the tamper-evident ledger.", no_args_is_help=True
)
ENTERPRISE = typer.Option(None, "--enterprise", "-e", help="Enterprise id or slug.")


def _tenant(ctx: typer.Context, enterprise: str | None) -> int:
    actor = Actor.system()
    with runtime_of(ctx).uow(write=False) as uow:
        if enterprise is None:
            found = tenants_with_ledgers(uow)
            from suyuan.services.enterprises import list_enterprises

            all_ = list_enterprises(uow, actor)
            if len(all_) == 1:
                return all_[0].id
            raise InvalidInput(
                f"there are {len(all_)} enterprises: name one with --enterprise"
                + (f" (with events: {', '.join(s for _, s in found)})" if found else "")
            )
        return resolve_tenant(uow, actor, enterprise_ref(enterprise))


def capture(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="EPCIS 2.0 JSON-LD / XML or 1.2 XML files."),
    behaviour: Behaviour = typer.Option(
        Behaviour.ROLLBACK,
        "--behaviour",
        help="rollback: a bad event rejects the whole document; proceed: store the good ones.",
    ),
    enterprise: str = ENTERPRISE,
    json_out: bool = JSON,
) -> None:
    """Capture EPCIS documents: validate, hash, chain and project every event."""
    runtime = runtime_of(ctx)
    tenant = _tenant(ctx, enterprise)
    settings = runtime.settings
    results: list[dict[str, Any]] = []
    failed = False
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} events"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=json_out or not err_console.is_terminal,
    )
    with progress:
        for path in files:
            if not path.is_file():
                raise InvalidInput(f"{path}: no such file")
            task = progress.add_task(path.name, total=None)
            try:
                with path.open("rb") as handle:
                    result = capture_document(
                        runtime.uow,
                        Actor.system(),
                        tenant_id=tenant,
                        source=handle,
                        behaviour=behaviour,
                        name=str(path),
                        seal_every=settings.seal_every,
                        key_dir=settings.key_dir,
                        limits=Limits(max_document_bytes=settings.max_capture_bytes),
                        progress=partial(_advance, progress, task),
                    )
                results.append({"file": str(path)} | result.to_dict())
            except CaptureRejected as exc:
                failed = True
                results.append(
                    {
                        "file": str(path),
                        "capture_id": exc.detail.get("capture_id"),
                        "status": "failed",
                        "captured": 0,
                        "duplicates": 0,
                        "rejected": rejected_events(exc.errors),
                        "errors": exc.errors,
                    }
                )
    if json_out:
        print_json(results if len(results) > 1 else results[0])
    else:
        _print_capture_summary(results)
    if failed:
        raise typer.Exit(code=1)


def _advance(progress: Progress, task: TaskID, count: int) -> None:
    progress.advance(task, count)


def _print_capture_summary(results: list[dict[str, Any]]) -> None:
    print_table(
        "capture",
        ("file", "status", "captured", "duplicates", "rejected"),
        [(r["file"], r["status"], r["captured"], r["duplicates"], r["rejected"]) for r in results],
    )
    for r in results:
        for error in r["errors"][:20]:
            err_console.print(f"{r['file']}: {error['message']}", markup=False, soft_wrap=True)
        if len(r["errors"]) > 20:
            err_console.print(f"{r['file']}: … {len(r['errors']) - 20} more errors")


@events_app.command("hash")
def hash_command(
    file: Path = typer.Argument(..., help="EPCIS document (JSON-LD or XML)."),
    json_out: bool = JSON,
) -> None:
    """Print the CBV 2.0 canonical hash (ni:///sha-256;…?ver=CBV2.0) of each event, in order."""
    with file.open("rb") as handle:
        _header, events = read_document(handle, limits=Limits(max_document_bytes=None))
        hashes = [event_hash(e.event, e.namespaces) for e in events]
    if json_out:
        print_json(hashes)
    else:
        sys.stdout.write("".join(h + "\n" for h in hashes))


@events_app.command("query")
def query_command(
    ctx: typer.Context,
    params: list[str] = typer.Argument(
        None,
        help="EPCIS query parameters as NAME=VALUE, e.g. EQ_bizStep=shipping "
        "MATCH_epc=urn:epc:id:sgtin:0614141.107346.2018 GE_eventTime=2026-01-01T00:00:00Z",
    ),
    fmt: str = typer.Option("table", "--format", help="table, jsonld or xml."),
    enterprise: str = ENTERPRISE,
    limit: int = typer.Option(100, "--limit", help="Events per page (perPage)."),
) -> None:
    """Query stored events with the standard EPCIS query parameters."""
    raw: dict[str, list[str] | str] = {"perPage": str(limit)}
    for item in params or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise InvalidInput(f"query parameter {item!r}: expected NAME=VALUE")
        existing = raw.get(name)
        raw[name] = [*([existing] if isinstance(existing, str) else existing or []), value]
    query = parse_query(raw)
    tenant = _tenant(ctx, enterprise) if enterprise else None
    actor = (
        Actor.system()
        if tenant is None
        else Actor(name="cli", roles=Actor.system().roles, enterprise_id=tenant)
    )
    with runtime_of(ctx).uow(write=False) as uow:
        page = query_events(uow.connection, actor, query)
    if fmt in ("jsonld", "xml"):
        stream_events(page.events, sys.stdout.buffer, fmt, query_name="SimpleEventQuery")  # type: ignore[arg-type]
        sys.stdout.buffer.write(b"\n")
        return
    if fmt != "table":
        raise InvalidInput(f"--format {fmt!r}: must be table, jsonld or xml")
    rows = []
    for found in page.events:
        e = found.event
        what = e.get("epcList") or e.get("childEPCs") or e.get("outputEPCList") or []
        rows.append(
            (
                e.get("eventTime"),
                e.get("type"),
                e.get("action"),
                e.get("bizStep"),
                e.get("disposition"),
                f"{len(what)} EPCs" if len(what) > 1 else (what[0] if what else ""),
            )
        )
    print_table(
        f"{len(rows)} events" + (" (more: raise --limit)" if page.next_token else ""),
        ("eventTime", "type", "action", "bizStep", "disposition", "what"),
        rows,
    )


def verify(
    ctx: typer.Context,
    enterprise: str = ENTERPRISE,
    json_out: bool = JSON,
) -> None:
    """Recompute hashes, chains and seals; report events modified, deleted or inserted."""
    runtime = runtime_of(ctx)
    actor = Actor.system()
    with runtime.uow(write=False) as uow:
        tenants = (
            [(resolve_tenant(uow, actor, enterprise_ref(enterprise)), enterprise)]
            if enterprise
            else tenants_with_ledgers(uow)
        )
        reports = [(slug, verify_tenant(uow, actor, tenant)) for tenant, slug in tenants]
    ok = all(report.ok for _slug, report in reports)
    if json_out:
        print_json(
            {
                "ok": ok,
                "tenants": [{"enterprise": slug} | report.to_json() for slug, report in reports],
            }
        )
    else:
        for slug, report in reports:
            console.print(f"{slug}: {report.summary()}", markup=False)
            for finding in report.findings[:50]:
                console.print(
                    f"  seq {finding.seq} {finding.kind.value}: {finding.reason}", markup=False
                )
        if not reports:
            console.print("no events stored yet")
    if not ok:
        raise typer.Exit(code=1)


@ledger_app.command("proof")
def proof(
    ctx: typer.Context,
    event_id: str = typer.Argument(..., help="eventID or canonical hash of a stored event."),
    enterprise: str = ENTERPRISE,
) -> None:
    """Print a self-contained inclusion proof, checkable with the tenant's public key."""
    runtime = runtime_of(ctx)
    tenant = _tenant(ctx, enterprise)
    with runtime.uow() as uow:
        document = proof_for_event(
            uow,
            Actor.system(),
            tenant_id=tenant,
            event_id=event_id,
            key_dir=runtime.settings.key_dir,
        )
    sys.stdout.write(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n")


@ledger_app.command("check")
def check_proof(
    proof_file: Path = typer.Argument(..., help="A proof printed by `suyuan ledger proof`."),
    public_key: Path = typer.Option(
        None, "--public-key", help="PEM public key to trust (from `suyuan ledger key`)."
    ),
    trust_embedded: bool = typer.Option(
        False,
        "--trust-embedded-key",
        help="Use the key inside the proof: proves integrity, not who signed it.",
    ),
) -> None:
    """Check an inclusion proof with a public key you trust (no database needed)."""
    from suyuan.ledger import verify_proof_document

    document = orjson.loads(proof_file.read_bytes())
    if public_key is not None:
        pem = public_key.read_bytes()
    elif trust_embedded:
        pem = (document.get("public_key_pem") or "").encode()
    else:
        raise InvalidInput(
            "pass --public-key PEM (the enterprise's published key, `suyuan ledger key`), "
            "or --trust-embedded-key to check integrity only"
        )
    if not pem:
        raise InvalidInput("the proof carries no public key: pass --public-key")
    if verify_proof_document(document, pem):
        console.print("proof valid: the event is included in the signed seal")
        return
    console.print("proof INVALID")
    raise typer.Exit(code=1)


@ledger_app.command("key")
def public_keys(ctx: typer.Context, enterprise: str = ENTERPRISE, json_out: bool = JSON) -> None:
    """Print an enterprise's ledger public keys (PEM), to publish for proof checking."""
    import sqlalchemy as sa

    from suyuan.storage.tables import signing_keys

    tenant = _tenant(ctx, enterprise)
    with runtime_of(ctx).uow(write=False) as uow:
        rows = uow.connection.execute(
            sa.select(signing_keys.c.key_id, signing_keys.c.public_key).where(
                signing_keys.c.tenant_id == tenant
            )
        ).all()
    if json_out:
        print_json([{"key_id": r.key_id, "public_key_pem": r.public_key} for r in rows])
        return
    if not rows:
        raise InvalidInput("no ledger key yet: keys are made when events are first sealed")
    sys.stdout.write("".join(r.public_key for r in rows))


def register(app: typer.Typer) -> None:
    """Attach the event-store commands to the root command."""
    app.command("capture")(capture)
    app.command("verify")(verify)
    app.add_typer(events_app, name="events")
    app.add_typer(ledger_app, name="ledger")
    _ = CaptureResult
