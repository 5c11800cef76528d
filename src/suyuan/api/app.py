"""The FastAPI application factory."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from suyuan import __version__
from suyuan.api.errors import error_body, install_error_handlers
from suyuan.bootstrap import Runtime
from suyuan.config import Settings


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

    limit = settings.max_request_bytes

    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return JSONResponse(
                error_body("too_large", f"request body of {length} bytes exceeds {limit}"),
                status_code=413,
            )
        response = await call_next(request)
        response.headers["x-request-id"] = request.state.request_id
        return response

    from suyuan.api.routes import register_routes

    register_routes(app, public_only=public_only)
    return app
