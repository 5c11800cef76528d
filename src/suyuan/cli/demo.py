"""`suyuan demo`: build a realistic baijiu world through the real services, then serve it."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from suyuan.cli.app import runtime_of
from suyuan.cli.output import console, err_console, print_json, print_table
from suyuan.demo import world
from suyuan.demo.builder import DEMO_PASSWORD, Demo, sample_urls
from suyuan.domain.access import Actor
from suyuan.services.audit import record_audit
from suyuan.storage.schema import current_revision, upgrade
from suyuan.storage.tables import audit_log, enterprises


def _existing(runtime: Any) -> dict[str, Any] | None:
    with runtime.uow(write=False) as uow:
        conn = uow.connection
        present = conn.execute(
            sa.select(enterprises.c.id).where(enterprises.c.slug == world.DISTILLERY.slug)
        ).first()
        if present is None:
            return None
        detail = conn.execute(
            sa.select(audit_log.c.detail)
            .where(audit_log.c.action == "demo")
            .order_by(audit_log.c.id.desc())
            .limit(1)
        ).scalar()
    return dict(detail) if detail else {"note": "demo data present (summary not recorded)"}


def demo(
    ctx: typer.Context,
    scale: world.Scale = typer.Option(
        world.Scale.SMALL, "--scale", help="small ≈ 10k bottles, medium ≈ 200k, large ≈ 1M."
    ),
    seed: int = typer.Option(2026, "--seed", help="Same seed, same world."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    serve: bool = typer.Option(False, "--serve", help="Start the web server afterwards."),
    host: str = typer.Option("127.0.0.1", help="Address to serve on (with --serve)."),
    port: int = typer.Option(8000, help="Port to serve on (with --serve)."),
) -> None:
    """Build the demo world (creating the schema if needed) and print sample codes and URLs.

    Run on a database that already holds the demo, it only prints the summary again.
    """
    runtime = runtime_of(ctx)
    if current_revision(runtime.engine) is None:
        upgrade(runtime.engine)
    summary = _existing(runtime)
    if summary is None:
        summary = _build(runtime, scale, seed, quiet=json_out)
    if json_out:
        print_json(summary)
    else:
        _print(summary)
    if serve:
        from suyuan.cli.serve import serve as serve_command

        serve_command(ctx, host=host, port=port, public=False, workers=1)


def _build(runtime: Any, scale: world.Scale, seed: int, *, quiet: bool) -> dict[str, Any]:
    started = time.monotonic()
    settings = runtime.settings
    size = world.SIZES[scale]
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=quiet or not err_console.is_terminal,
    ) as bar:
        task = bar.add_task(f"building the {scale.value} demo", total=size.batches)

        def progress(label: str, n: int) -> None:
            if label == "batches":
                bar.advance(task, n)
            bar.update(task, description=f"building the {scale.value} demo: {label}")

        built = Demo(
            runtime.uow, settings.key_dir, settings.resolver_url, scale, seed, progress=progress
        ).build()
    summary = {
        "scale": scale.value,
        "seed": seed,
        "seconds": round(time.monotonic() - started, 1),
        "counts": dict(sorted(built.counts.items())),
        "samples": sample_urls(built.samples, settings.resolver_url),
        "tokens": built.tokens,
        "console": {
            "url": settings.resolver_url.rstrip("/") + "/console",
            "users": sorted(built.tokens_users()),
            "password": DEMO_PASSWORD,
        },
    }
    with runtime.uow() as uow:
        record_audit(
            uow.connection,
            Actor.system(),
            action="demo",
            object_type="demo",
            object_id=scale.value,
            tenant_id=None,
            detail=summary,
        )
        uow.commit()
    return summary


def _print(summary: dict[str, Any]) -> None:
    if "counts" not in summary:
        console.print(summary.get("note", ""))
        return
    console.print(
        f"[bold]demo world[/bold] ({summary['scale']}, seed {summary['seed']}, "
        f"built in {summary['seconds']} s)"
    )
    print_table("counts", ("what", "how many"), list(summary["counts"].items()))
    rows = []
    for name, value in summary["samples"].items():
        if isinstance(value, dict):
            rows.append((name, value["code"], value["url"]))
        else:
            rows.append((name, str(value), ""))
    print_table("samples", ("sample", "code", "resolver URL"), rows)
    print_table("API tokens (demo only)", ("user", "token"), list(summary["tokens"].items()))
    console_info = summary.get("console")
    if console_info:
        console.print(
            f"console: {console_info['url']} — users {', '.join(console_info['users'])}"
            f", password {console_info['password']}"
        )


def register(app: typer.Typer) -> None:
    """Attach `demo` to the root command."""
    app.command("demo")(demo)
