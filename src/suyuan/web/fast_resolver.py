"""A pure-ASGI front dispatcher for the consumer GETs (issue 7).

Resolver paths are the hot path of a public deployment, but FastAPI matches them last
(the catch-all ``/{prefix}/{suffix}`` has to come after the API) and wraps every call in
dependency solving and response classes. This layer sits in front of the router: a GET
or HEAD for ``/``, ``/q``, ``/01/…``, ``/00/…``, ``/t/{code}`` or ``/{idis prefix}/…`` is
answered by :func:`suyuan.web.routes.consumer_get` — the same function the FastAPI
routes call, so content negotiation, ``linkType=all`` and the headers are identical —
and written straight to the ASGI ``send``. Everything else goes on to FastAPI.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from suyuan.web.routes import PublicSide, consumer_get, side_of

_FIRST = frozenset("/0123456789qt")
_NO_STORE = ((b"cache-control", b"no-store"), (b"vary", b"Accept"))


class FastResolver:
    """Answers consumer GETs before routing; passes every other request through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or (path[1:2] not in _FIRST and path != "/")
            or scope.get("root_path")
            or "?" in path  # Starlette's URL would re-split such a path; leave it to FastAPI
            or "#" in path
        ):
            await self.app(scope, receive, send)
            return
        raw_query: bytes = scope.get("query_string", b"")
        if not raw_query.isascii():
            await self.app(scope, receive, send)
            return
        accept = ""
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value.decode("latin-1")
                break
        app: Any = scope.get("app")

        def side() -> PublicSide:
            return side_of(app)

        reply = consumer_get(path, raw_query.decode("ascii"), accept, side)
        if reply is None:
            await self.app(scope, receive, send)
            return
        body = reply.body
        headers = [
            *(_NO_STORE if reply.no_store else ()),
            (b"content-length", str(len(body)).encode()),
            (b"content-type", reply.content_type.encode()),
        ]
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
