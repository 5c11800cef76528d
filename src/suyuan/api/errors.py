"""The single mapping of suyuan errors to HTTP answers: status + {"error": {...}}."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from suyuan.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    SchemaMissing,
    SuyuanError,
    Unauthenticated,
)

logger = logging.getLogger(__name__)

STATUS: list[tuple[type[SuyuanError], int]] = [
    (Unauthenticated, 401),
    (PermissionDenied, 403),
    (NotFound, 404),
    (Conflict, 409),
    (InvalidInput, 400),
    (SchemaMissing, 503),
]


def status_of(exc: SuyuanError) -> int:
    """HTTP status for a suyuan error."""
    return next((status for kind, status in STATUS if isinstance(exc, kind)), 500)


def error_body(code: str, message: str, detail: object = None) -> dict[str, object]:
    """The one error shape of the API."""
    return {"error": {"code": code, "message": message, "detail": detail or {}}}


def install_error_handlers(app: FastAPI) -> None:
    """Register the mappings on ``app``."""

    @app.exception_handler(SuyuanError)
    async def suyuan_error(request: Request, exc: SuyuanError) -> Response:
        status = status_of(exc)
        if status == 401 and request.url.path.startswith("/console"):
            return RedirectResponse("/console/login", status_code=303)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(
            error_body(exc.code, exc.message, exc.detail), status_code=status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"where": ".".join(str(p) for p in err["loc"]), "problem": err["msg"]}
            for err in exc.errors()
        ]
        first = problems[0] if problems else {"where": "request", "problem": "invalid"}
        message = f"{first['where']}: {first['problem']}"
        return JSONResponse(
            error_body("invalid_input", message, {"problems": problems}), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            exc.status_code, "http_error"
        )
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error", exc_info=exc)
        return JSONResponse(error_body("internal", "internal error"), status_code=500)
