"""Route registration."""

from __future__ import annotations

from fastapi import FastAPI


def register_routes(app: FastAPI, *, public_only: bool) -> None:
    """Attach the routers; the internal API and console are left out of a public-only server."""
    from suyuan.api.routes import health

    app.include_router(health.router)
    if not public_only:
        _include_internal_routes(app)
        _include_alert_routes(app)
    _include_consumer_routes(app)


def _include_internal_routes(app: FastAPI) -> None:
    from suyuan.api.routes import chain, codes, enterprises, epcis, products, recalls, trace
    from suyuan.web import console, recall_pages

    app.include_router(enterprises.router, prefix="/api/v1")
    app.include_router(products.router, prefix="/api/v1")
    app.include_router(codes.router, prefix="/api/v1")
    app.include_router(chain.router, prefix="/api/v1")
    app.include_router(trace.router, prefix="/api/v1")
    app.include_router(recalls.router, prefix="/api/v1")
    app.include_router(epcis.router)
    app.include_router(console.router)
    app.include_router(recall_pages.router)


def _include_alert_routes(app: FastAPI) -> None:
    from suyuan.api.routes import alerts
    from suyuan.web import alerts_page

    app.include_router(alerts.router, prefix="/api/v1")
    app.include_router(alerts_page.router)


def _include_consumer_routes(app: FastAPI) -> None:
    # Last: the resolver's /{idis-prefix}/{suffix} path would otherwise shadow the API.
    from suyuan.web.routes import router as consumer_router

    app.include_router(consumer_router)
