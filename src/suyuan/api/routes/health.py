"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from suyuan import __version__
from suyuan.api.deps import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def health(runtime: RuntimeDep) -> dict[str, Any]:
    """Ready when the database answers and has the current schema."""
    runtime.require_schema()
    return {"status": "ok", "version": __version__}
