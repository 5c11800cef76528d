"""Pure-ASGI front dispatchers for the consumer GETs (issue 7).

Resolver paths are the hot path of a public deployment, but FastAPI matches them last
(the catch-all ``/{prefix}/{suffix}`` has to come after the API) and wraps every call in
dependency solving and response classes. A GET or HEAD for ``/``, ``/q``, ``/01/…``,
``/00/…``, ``/t/{code}`` or ``/{idis prefix}/…`` is answered by
:func:`suyuan.web.routes.consumer_get` — the same function the FastAPI routes call, so
content negotiation, ``linkType=all`` and the headers are identical — and written straight
to the ASGI ``send``. Everything else goes on to FastAPI. Two forms:

* :class:`FastResolver`, a middleware inside the app (installed by ``create_app``, behind
  the request-id guard): what every in-process client of the app gets;
* :func:`serving_app`, the same dispatcher *around* the app, for ``suyuan serve``: a
  consumer GET then skips Starlette's error middleware, the telemetry and body-limit
  wrappers and the guard (it sets the ``x-request-id`` header the guard would), and on
  PostgreSQL awaits the unit's query (:func:`~suyuan.web.routes.consumer_get_async`), so
  one process keeps answering while its queries run. A request whose answer fails is
  handed to the app as it is, so errors are answered (and logged) exactly as without the
  front.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from suyuan.web.routes import PublicSide, Reply, consumer_get, consumer_get_async, side_of

log = logging.getLogger(__name__)
# Request ids: 128 random bits without a system call per request (they only need to be
# distinct and not guessable in practice, not secret).
_ids = random.Random(os.urandom(32))
_FIRST = frozenset("/0123456789qt")
_NO_STORE = ((b"cache-control", b"no-store"), (b"vary", b"Accept"))


def _request(scope: Scope) -> tuple[str, str, str] | None:
    """(path, query, accept) of a request that may be a consumer GET, else None."""
    path: str = scope.get("path", "")
    if (
        scope["type"] != "http"
        or scope["method"] not in ("GET", "HEAD")
        or (path[1:2] not in _FIRST and path != "/")
        or scope.get("root_path")
        or "?" in path  # Starlette's URL would re-split such a path; leave it to FastAPI
        or "#" in path
    ):
        return None
    raw_query: bytes = scope.get("query_string", b"")
    if not raw_query.isascii():
        return None
    accept = ""
    for name, value in scope["headers"]:
        if name == b"accept":
            accept = value.decode("latin-1")
            break
    return path, raw_query.decode("ascii"), accept


def _side(app: Any) -> Callable[[], PublicSide]:
    def side() -> PublicSide:
        return side_of(app)

    return side


async def _send(send: Send, reply: Reply, extra: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    body = reply.body
    headers = [
        *(_NO_STORE if reply.no_store else ()),
        (b"content-length", str(len(body)).encode()),
        (b"content-type", reply.content_type.encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class FastResolver:
    """Answers consumer GETs before routing; passes every other request through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = _request(scope)
        reply = None if request is None else consumer_get(*request, _side(scope.get("app")))
        if reply is None:
            await self.app(scope, receive, send)
            return
        await _send(send, reply)


class _Front:
    """:func:`serving_app`."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.side = _side(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(
                scope, self._closing(receive) if scope["type"] == "lifespan" else receive, send
            )
            return
        request_id = b""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = value
            elif name == b"content-length":  # a body: the guard decides about its size
                await self.app(scope, receive, send)
                return
        request = _request(scope)
        reply = None
        if request is not None:
            try:
                reply = await consumer_get_async(*request, self.side)
            except Exception:  # the app answers it again, with its own error handling
                log.warning("consumer answer failed; handing it to the app", exc_info=True)
        if reply is None:
            await self.app(scope, receive, send)
            return
        if not request_id:  # like the guard (suyuan.api.middleware): kept, or 128 new bits
            request_id = b"%032x" % _ids.getrandbits(128)
        await _send(send, reply, ((b"x-request-id", request_id),))

    def _closing(self, receive: Receive) -> Receive:
        """The lifespan's receive: at shutdown, first write the buffered checks and close
        the public side's connections (those reads were awaited on belong to this loop)."""

        async def closing() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                side = getattr(self.app.state, "public_side", None)
                if side is not None:
                    await side.close_async()
                    side.close()
            return message

        return closing


def serving_app(app: Any) -> ASGIApp:
    """``app`` (made by ``create_app``) behind a front that answers consumer GETs itself,
    awaiting its database reads where the database allows (PostgreSQL)."""
    return _Front(app)
