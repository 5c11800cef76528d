"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from suyuan import __version__
from suyuan.api.errors import install_error_handlers
from suyuan.api.middleware import GuardMiddleware
from suyuan.bootstrap import Runtime
from suyuan.config import Settings
from suyuan.web.fast_resolver import FastResolver


def create_app(settings: Settings, *, public_only: bool = False) -> FastAPI:
    """Build the app; ``public_only`` serves the consumer routes alone (QBT-11.4(g))."""
    runtime = Runtime(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        runtime.close()

    app = FastAPI(
        lifespan=lifespan,
        title="suyuan",
        version=__version__,
        description="Product quality traceability: codes, EPCIS 2.0 events, trace and recall.",
    )
    app.state.runtime = runtime
    app.state.public_only = public_only
    install_error_handlers(app)

    # Consumer GETs are answered before routing (the same code as the consumer routes);
    # the guard is added last so it stays outermost and tags those answers too.
    app.add_middleware(FastResolver)
    app.add_middleware(GuardMiddleware, max_body=settings.max_request_bytes)

    from suyuan.api.routes import register_routes

    register_routes(app, public_only=public_only)
    return app
