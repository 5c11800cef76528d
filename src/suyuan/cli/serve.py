"""`suyuan serve`: run the web server (API, EPCIS binding, resolver and pages)."""

from __future__ import annotations

import gc

import typer

from suyuan.cli.app import runtime_of

serve_app = typer.Typer()


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

    from suyuan.api.app import create_app
    from suyuan.web.fast_resolver import serving_app
    from suyuan.web.routes import home_page, side_of

    runtime = runtime_of(ctx)
    if not public:
        runtime.require_schema()
    # A public server never opens the internal database: it reads the published projection
    # through SUYUAN_PUBLIC_DATABASE_URL (read-only file or the suyuan_public role).
    app = create_app(runtime.settings, public_only=public)
    # Ready before the first scan: the public side's connections, the page templates.
    side = side_of(app)
    for lang in ("zh", "en"):
        home_page(lang)
    # Everything made so far lives as long as the process: keep it out of the collector's
    # full passes (one costs tens of milliseconds over this heap, a stall for every request
    # in flight) — scan-log batches live long enough to trigger them every few seconds.
    gc.collect()
    gc.freeze()
    try:
        # loop/http "auto": uvloop and httptools (uvicorn[standard]). Consumer GETs are
        # answered in front of the app's middleware (suyuan.web.fast_resolver).
        uvicorn.run(
            serving_app(app),
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            access_log=access_log,
            loop="auto",
            http="auto",
            backlog=backlog,
            server_header=False,  # one header less to build, check and send per answer
        )
    finally:
        side.close()  # write the buffered checks


def register(app: typer.Typer) -> None:
    """Attach `serve` to the root command."""
    app.command("serve")(serve)
