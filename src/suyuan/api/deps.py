"""Request dependencies: the runtime, a unit of work, and the authenticated actor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from suyuan.bootstrap import Runtime
from suyuan.domain.access import Actor
from suyuan.errors import Unauthenticated
from suyuan.services.users import authenticate_token
from suyuan.storage.uow import UnitOfWork


def get_runtime(request: Request) -> Runtime:
    """The Runtime the app was created with."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_uow(request: Request) -> Iterator[UnitOfWork]:
    """A unit of work for this request (write-capable; services commit)."""
    runtime = get_runtime(request)
    with runtime.uow(write=request.method not in ("GET", "HEAD")) as uow:
        yield uow


def get_actor(request: Request) -> Actor:
    """The actor behind the request's bearer token; 401 without a valid one."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret:
        raise Unauthenticated("authentication required: send 'Authorization: Bearer <token>'")
    runtime = get_runtime(request)
    with runtime.uow(write=False) as uow:
        return authenticate_token(uow, secret.strip(), request_id=request.state.request_id)


UowDep = Annotated[UnitOfWork, Depends(get_uow)]
ActorDep = Annotated[Actor, Depends(get_actor)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
