"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from suyuan import __version__
from suyuan.api.deps import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def health(request: Request, runtime: RuntimeDep) -> dict[str, Any]:
    """Ready when the database answers and has the current schema.

    A public-only server never opens the internal database, so it reports on itself.
    """
    if getattr(request.app.state, "public_only", False):
        return {"status": "ok", "version": __version__, "mode": "public"}
    runtime.require_schema()
    return {"status": "ok", "version": __version__}
