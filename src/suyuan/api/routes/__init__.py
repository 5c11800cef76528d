"""Route registration."""

from __future__ import annotations

from fastapi import FastAPI


def register_routes(app: FastAPI, *, public_only: bool) -> None:
    """Attach the routers; the internal API is left out of a public-only server."""
    from suyuan.api.routes import health

    app.include_router(health.router)
    if public_only:
        _include_consumer_routes(app)
        return
    from suyuan.api.routes import chain, codes, enterprises, epcis, products, trace

    app.include_router(enterprises.router, prefix="/api/v1")
    app.include_router(products.router, prefix="/api/v1")
    app.include_router(codes.router, prefix="/api/v1")
    app.include_router(chain.router, prefix="/api/v1")
    app.include_router(trace.router, prefix="/api/v1")
    app.include_router(epcis.router)
    _include_alert_routes(app)
    _include_consumer_routes(app)


def _include_alert_routes(app: FastAPI) -> None:
    from suyuan.api.routes import alerts
    from suyuan.web import alerts_page

    app.include_router(alerts.router, prefix="/api/v1")
    app.include_router(alerts_page.router)


def _include_consumer_routes(app: FastAPI) -> None:
    # Last: the resolver's /{idis-prefix}/{suffix} path would otherwise shadow the API.
    from suyuan.web.routes import router as consumer_router

    app.include_router(consumer_router)

    from suyuan.web import console

    app.include_router(console.router)
