"""A pure ASGI middleware: request ids and the body-size limit, without BaseHTTPMiddleware.

Starlette's ``@app.middleware("http")`` wraps every request in extra tasks and streams;
on the resolver's hot path that cost more than the resolve itself.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from suyuan.api.errors import error_body


class GuardMiddleware:
    """Adds ``x-request-id`` (kept from the client or new) and refuses oversized bodies."""

    def __init__(self, app: ASGIApp, *, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        request_id = (headers.get(b"x-request-id") or b"").decode("latin-1") or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await self._too_large(send, int(length), request_id)
            return
        encoded_id = request_id.encode("latin-1")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", encoded_id)]
            await send(message)

        await self.app(scope, receive, send_with_id)

    async def _too_large(self, send: Send, length: int, request_id: str) -> None:
        body = orjson.dumps(
            error_body("too_large", f"request body of {length} bytes exceeds {self.max_body}")
        )
        headers: list[Any] = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-request-id", request_id.encode("latin-1")),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
