"""`suyuan serve`: run the web server (API, EPCIS binding, resolver and pages)."""

from __future__ import annotations

import gc
import os
from typing import Any

import typer

from suyuan.cli.app import runtime_of

serve_app = typer.Typer()
# How `serve --workers N` hands its settings to the worker processes uvicorn starts.
_WORKER_SETTINGS = "SUYUAN_SERVE_WORKER_SETTINGS"
_WORKER_PUBLIC = "SUYUAN_SERVE_WORKER_PUBLIC"


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    public: bool = typer.Option(
        False, "--public", help="Serve only the public consumer routes (QBT-11.4(g))."
    ),
    workers: int = typer.Option(1, help="Worker processes."),
    access_log: bool = typer.Option(
        True,
        "--access-log/--no-access-log",
        help="Log every request (one line each); turn off for benchmarks and busy resolvers.",
    ),
    backlog: int = typer.Option(2048, help="Connections the kernel queues before accept()."),
) -> None:
    """Run the web server: API at /api/v1, EPCIS at /epcis, resolver pages, docs at /docs."""
    import uvicorn

    runtime = runtime_of(ctx)
    if not public:
        runtime.require_schema()
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "info",
        "access_log": access_log,
        "loop": "auto",  # uvloop and httptools (uvicorn[standard])
        "http": "auto",
        "backlog": backlog,
        "server_header": False,  # one header less to build, check and send per answer
    }
    if workers > 1:  # each worker process builds its own app from the same settings
        os.environ[_WORKER_SETTINGS] = runtime.settings.model_dump_json()
        os.environ[_WORKER_PUBLIC] = "1" if public else ""
        uvicorn.run(f"{__name__}:worker_app", factory=True, workers=workers, **options)
        return
    app = _served(runtime.settings, public)
    try:
        uvicorn.run(app, **options)
    finally:
        app.app.state.public_side.close()  # write the buffered checks


def worker_app() -> Any:
    """The app of one `serve --workers N` worker process (a uvicorn factory)."""
    from suyuan.config import Settings

    settings = Settings.model_validate_json(os.environ[_WORKER_SETTINGS])
    return _served(settings, os.environ.get(_WORKER_PUBLIC) == "1")


def _served(settings: Any, public: bool) -> Any:
    """The app with consumer GETs answered in front of its middleware
    (suyuan.web.fast_resolver), ready before the first request."""
    from suyuan.api.app import create_app
    from suyuan.web.fast_resolver import serving_app
    from suyuan.web.routes import home_page, side_of

    # A public server never opens the internal database: it reads the published projection
    # through SUYUAN_PUBLIC_DATABASE_URL (read-only file or the suyuan_public role).
    app = create_app(settings, public_only=public)
    side_of(app)  # the public side's connections and caches
    for lang in ("zh", "en"):
        home_page(lang)
    # Everything made so far lives as long as the process: keep it out of the collector's
    # full passes (one costs tens of milliseconds over this heap, a stall for every request
    # in flight) — scan-log batches live long enough to trigger them every few seconds.
    gc.collect()
    gc.freeze()
    return serving_app(app)


def register(app: typer.Typer) -> None:
    """Attach `serve` to the root command."""
    app.command("serve")(serve)
