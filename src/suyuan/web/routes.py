"""The consumer routes: the resolver (GS1 Digital Link, industrial-internet identifiers,
manual entry, market tickets), the answer page, JSON, linksets, complaints (QBT-12, LZ-3).

Content negotiation follows GS1 resolvers: a browser gets the page; ``Accept:
application/json`` gets the same public data as JSON; ``linkType=all`` gets the linkset.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine

from suyuan.config import Settings
from suyuan.domain.verdicts import Thresholds, coarse_place
from suyuan.queries.public_view import Database, PublicReader
from suyuan.web.feedback import Feedback
from suyuan.web.i18n import language, text
from suyuan.web.pages import render_home, render_resolution
from suyuan.web.resolution import Resolution, Resolver

router = APIRouter(include_in_schema=False)

_IDIS_PREFIX = re.compile(r"\d+(\.\d+)+")
_PHONE = re.compile(r"\+?[0-9][0-9\- ]{5,18}[0-9]")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")
_NO_STORE = {"cache-control": "no-store", "vary": "Accept"}
HTML = "text/html; charset=utf-8"
JSON = "application/json"
LINKSET = "application/linkset+json"


@dataclass
class PublicSide:
    """Everything the consumer routes use, built once per app."""

    resolver: Resolver
    feedback: Feedback
    reader: PublicReader
    base_url: str

    async def close_async(self) -> None:
        """Close the connections reads are awaited on (on their event loop)."""
        await self.reader.close_async()

    def close(self) -> None:
        """Write pending checks and close connections."""
        self.feedback.close()
        self.reader.db.close()
        self.feedback.db.close()


def build_public_side(
    settings: Settings, *, public_only: bool, engine: Engine | None = None
) -> PublicSide:
    """Open the public projection: the internal database for a full server, or the
    published store with its own credentials for ``serve --public`` (QBT-11.4(g)).
    ``engine`` is the internal database's engine (full server: alerts are raised there)."""
    read_url = settings.database_url
    write_url = settings.database_url
    read_only = False
    if public_only:
        read_url = settings.public_database_url or settings.database_url
        read_only = read_url.startswith("sqlite")
        write_url = settings.public_feedback_url or feedback_url_for(read_url)
        if write_url.startswith("sqlite"):
            ensure_feedback_file(write_url)
    reader = PublicReader(Database(read_url, read_only=read_only))
    thresholds = Thresholds(settings.scan_alert_checks, settings.scan_alert_places)
    feedback = Feedback(
        Database(write_url) if write_url != read_url or read_only else reader.db,
        salt=settings.public_salt,
        thresholds=thresholds,
        alert_engine=None if public_only else engine,
        flush_seconds=settings.scan_flush_seconds,
    )
    resolver = Resolver(reader, feedback, key_dir=settings.key_dir, thresholds=thresholds)
    return PublicSide(resolver, feedback, reader, settings.resolver_url.rstrip("/"))


def feedback_url_for(read_url: str) -> str:
    """Default feedback store: the same PostgreSQL database, or ``<file>-feedback.db``."""
    if not read_url.startswith("sqlite"):
        return read_url
    path = Path(read_url.split(":///", 1)[1])
    return f"sqlite:///{path.with_name(path.stem + '-feedback' + path.suffix)}"


def ensure_feedback_file(url: str) -> None:
    """Create the consumer-feedback tables in a SQLite file if they are missing."""
    from suyuan.storage.engine import make_engine
    from suyuan.storage.public_tables import FEEDBACK_TABLES
    from suyuan.storage.tables import metadata

    engine = make_engine(url)
    try:
        metadata.create_all(engine, tables=list(FEEDBACK_TABLES))
    finally:
        engine.dispose()


def public_side(request: Request) -> PublicSide:
    """The app's PublicSide (made on first use)."""
    return side_of(request.app)


def side_of(app: Any) -> PublicSide:
    """The PublicSide of a Starlette app (made on first use)."""
    state = app.state
    side: PublicSide | None = getattr(state, "public_side", None)
    if side is None:
        runtime = state.runtime
        side = build_public_side(
            runtime.settings,
            public_only=state.public_only,
            engine=None if state.public_only else runtime.engine,
        )
        state.public_side = side
    return side


# --- helpers ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    """A consumer answer, independent of the web framework: the FastAPI routes and the
    front dispatcher (:mod:`suyuan.web.fast_resolver`) both send exactly this."""

    status: int
    content_type: str
    body: bytes
    no_store: bool = True

    def response(self) -> Response:
        """As a Starlette response."""
        return Response(
            self.body,
            status_code=self.status,
            headers=_NO_STORE if self.no_store else None,
            media_type=self.content_type,
        )


def wants_json(request: Request) -> bool:
    """JSON for ``Accept: application/json`` (unless HTML is also asked for) or ``format=json``."""
    return _wants_json(request.query_params, request.headers.get("accept", ""))


def _wants_json(params: Mapping[str, str], accept: str) -> bool:
    if params.get("format") == "json":
        return True
    return "json" in accept and "text/html" not in accept


def _switch_url(path: str, params: Mapping[str, str], lang: str) -> str:
    if not params:  # what urlencode gives for the one parameter
        return f"{path}?lang={'en' if lang == 'zh' else 'zh'}"
    switched = dict(params)
    switched["lang"] = "en" if lang == "zh" else "zh"
    return f"{path}?{urlencode(switched)}"


def _back_url(path: str, query: str) -> str:
    return path + (f"?{query}" if query else "")


def _answer(
    side: PublicSide,
    resolution: Resolution,
    *,
    path: str,
    query: str,
    params: Mapping[str, str],
    accept: str,
) -> Reply:
    if params.get("linkType") == "all" and resolution.key:
        return Reply(200, LINKSET, orjson.dumps(linkset(side.base_url, resolution)))
    status = 200 if resolution.key or resolution.kind == "ticket" else 404
    if _wants_json(params, accept):
        return Reply(status, JSON, orjson.dumps(resolution.to_json(side.base_url)))
    page = render_resolution(
        resolution,
        switch_url=_switch_url(path, params, resolution.lang),
        back_url=_back_url(path, query),
        place_shared=params.get("shared") == "1",
        complaint_done=params.get("complained") == "1",
    )
    return Reply(status, HTML, page.encode())


def linkset(base_url: str, resolution: Resolution) -> dict[str, Any]:
    """The GS1 resolver linkset (RFC 9264) of a code: product information pages, JSON."""
    anchor = f"{base_url}{resolution.key}"
    pip = [
        {
            "href": f"{anchor}?lang={lang}",
            "title": text(lang, "public_info"),
            "hreflang": [hl],
            "type": "text/html",
        }
        for lang, hl in (("zh", "zh-CN"), ("en", "en"))
    ]
    return {
        "linkset": [
            {
                "anchor": anchor,
                "https://gs1.org/voc/defaultLink": [{"href": anchor, "type": "text/html"}],
                "https://gs1.org/voc/pip": pip,
                "https://gs1.org/voc/traceability": [
                    {"href": f"{anchor}?format=json", "type": "application/json"}
                ],
                "https://gs1.org/voc/customerSupport": [
                    {"href": f"{anchor}#complaint", "type": "text/html"}
                ],
            }
        ]
    }


@dataclass(frozen=True, slots=True)
class _Resolve:
    """A consumer GET that resolves a code."""

    code: str
    channel: str
    path: str
    query: str
    params: Mapping[str, str]
    accept: str


def _consumer(path: str, query: str, accept: str) -> Reply | _Resolve | None:
    params = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
    if path == "/":
        return Reply(200, HTML, home_page(language(params.get("lang"))), no_store=False)
    if path == "/q":
        code = params.get("code", "")
        if not code.strip():
            return Reply(400, HTML, home_page(language(params.get("lang"))), no_store=False)
        return _Resolve(code[:256], "manual", path, query, params, accept)
    if path.startswith(("/01/", "/00/")):
        return _Resolve(path, "scan", path, query, params, accept)
    if path.startswith("/t/") and len(path) > 3 and "/" not in path[3:]:
        return _Resolve(path[3:][:128], "ticket", path, query, params, accept)
    prefix, slash, suffix = path[1:].partition("/")
    if slash and _IDIS_PREFIX.fullmatch(prefix) is not None:
        # Industrial-internet identifier: /{enterprise prefix}/{GTIN + serial} (QBT-6.4, 7.2).
        return _Resolve(f"{prefix}/{suffix}", "scan", path, query, params, accept)
    return None


def consumer_get(
    path: str, query: str, accept: str, side: Callable[[], PublicSide]
) -> Reply | None:
    """The answer to a consumer GET: the home page, manual entry, or a resolver path
    (/01/…, /00/…, /t/{code}, /{idis prefix}/{suffix}); None when ``path`` is none of them.

    ``path`` is the URL path, ``query`` the raw query string; ``side`` gives the app's
    PublicSide (only built when a code is resolved). Both the FastAPI routes and the
    front dispatcher answer through here.
    """
    job = _consumer(path, query, accept)
    if not isinstance(job, _Resolve):
        return job
    public = side()
    params = job.params
    resolution = public.resolver.resolve(
        job.code,
        lang=language(params.get("lang")),
        channel=job.channel,
        place=coarse_place(params.get("place")),
    )
    return _answer(public, resolution, path=path, query=query, params=params, accept=accept)


async def consumer_get_async(
    path: str, query: str, accept: str, side: Callable[[], PublicSide]
) -> Reply | None:
    """:func:`consumer_get` with the database read awaited (see ``Resolver.resolve_async``):
    the same answers."""
    job = _consumer(path, query, accept)
    if not isinstance(job, _Resolve):
        return job
    public = side()
    params = job.params
    resolution = await public.resolver.resolve_async(
        job.code,
        lang=language(params.get("lang")),
        channel=job.channel,
        place=coarse_place(params.get("place")),
    )
    return _answer(public, resolution, path=path, query=query, params=params, accept=accept)


def home_page(lang: str) -> bytes:
    """The home page, encoded (the same for every visitor of a language)."""
    page = _HOME.get(lang)
    if page is None:
        page = _HOME[lang] = render_home(lang).encode()
    return page


_HOME: dict[str, bytes] = {}


def _get(request: Request) -> Response:
    reply = consumer_get(
        request.url.path,
        request.url.query,
        request.headers.get("accept", ""),
        lambda: public_side(request),
    )
    if reply is None:
        return Response(
            b'{"error":{"code":"not_found","message":"not found"}}',
            status_code=404,
            media_type="application/json",
        )
    return reply.response()


# --- routes -------------------------------------------------------------------------------
# The front dispatcher answers these GETs before FastAPI routing; the routes stay for the
# OpenAPI-less fallback (HEAD, a mounted root path) and share consumer_get with it.


@router.get("/")
async def home(request: Request) -> Response:
    """The home page: type the printed code (QBT-12.2)."""
    return _get(request)


@router.get("/q")
async def manual_entry(request: Request) -> Response:
    """Manual entry of any printed form of a code, or a market ticket code."""
    return _get(request)


@router.get("/01/{rest:path}")
async def gtin_link(request: Request, rest: str) -> Response:
    """GS1 Digital Link for a unit: /01/{gtin}/21/{serial}, with or without lot and query."""
    return _get(request)


@router.get("/00/{rest:path}")
async def sscc_link(request: Request, rest: str) -> Response:
    """GS1 Digital Link for a case or pallet: /00/{sscc}."""
    return _get(request)


@router.get("/t/{code}")
async def ticket_link(request: Request, code: str) -> Response:
    """A market trace ticket QR (LZ-3)."""
    return _get(request)


@router.post("/place")
async def share_place(request: Request) -> Response:
    """The consumer chose to share a coarse place for their last check (never required)."""
    side = public_side(request)
    form = await _form(request)
    key = form.get("key", "")[:140]
    place = coarse_place(form.get("place"))
    shared = bool(key) and side.feedback.set_place(key, place)
    if wants_json(request):
        return Response(orjson.dumps({"recorded": shared}), media_type="application/json")
    return RedirectResponse(_local(form.get("back"), key, {"shared": "1"}), status_code=303)


@router.post("/complaints")
async def complain(request: Request) -> Response:
    """A consumer complaint (QBT-T14.2, QBT-10.4.3): validated, rate-limited, stored, alerted."""
    side = public_side(request)
    form = await _form(request)
    lang = language(form.get("lang"))
    errors = validate_complaint(form)
    client = side.feedback.client_hash(_client_address(request))
    limited = not errors and not side.feedback.allow_complaint(client)
    if errors or limited:
        return _complaint_problem(request, side, form, lang, errors, limited)
    key = form.get("key", "")[:140] or None
    tenant_id = _tenant_of(side, key)
    side.feedback.add_complaint(
        {
            "key": key,
            "tenant_id": tenant_id,
            "name": form.get("name", "").strip(),
            "contact": form["contact"].strip(),
            "content": form["content"].strip(),
            "place": coarse_place(form.get("place")),
        },
        client=client,
    )
    if wants_json(request):
        return Response(
            orjson.dumps({"status": "received"}), status_code=201, media_type="application/json"
        )
    return RedirectResponse(
        _local(form.get("back"), key, {"complained": "1"}) + "#complaint", status_code=303
    )


@router.get("/{prefix}/{suffix:path}")
async def idis_link(request: Request, prefix: str, suffix: str) -> Response:
    """Industrial-internet identifier: /{enterprise prefix}/{GTIN + serial} (QBT-6.4, QBT-7.2);
    any other two-part path is not found."""
    return _get(request)


# --- complaint helpers ----------------------------------------------------------------------


def validate_complaint(form: dict[str, str]) -> dict[str, bool]:
    """Which fields are wrong: contact must be a phone or e-mail, content 5-1000 characters."""
    contact = form.get("contact", "").strip()
    content = form.get("content", "").strip()
    errors = {}
    if len(contact) > 128 or not (_PHONE.fullmatch(contact) or _EMAIL.fullmatch(contact)):
        errors["contact"] = True
    if not 5 <= len(content) <= 1000:
        errors["content"] = True
    if len(form.get("name", "").strip()) > 32:
        errors["name"] = True
    return errors


def _complaint_problem(
    request: Request,
    side: PublicSide,
    form: dict[str, str],
    lang: str,
    errors: dict[str, bool],
    limited: bool,
) -> Response:
    status = 429 if limited else 422
    if wants_json(request):
        body = {
            "error": {
                "code": "rate_limited" if limited else "invalid_complaint",
                "message": text(lang, "complaint_limited")
                if limited
                else "; ".join(text(lang, f"error.{name}") for name in errors),
                "detail": {"fields": sorted(errors)},
            }
        }
        return Response(orjson.dumps(body), status_code=status, media_type="application/json")
    key = form.get("key", "")
    code = key[len("ticket:") :] if key.startswith("ticket:") else key
    resolution = side.resolver.resolve(
        code or "-", lang=lang, channel="manual", place="unknown", log=False
    )
    page = render_resolution(
        resolution,
        switch_url=_switch_url(request.url.path, request.query_params, lang),
        back_url=_local(form.get("back"), key, {}),
        form=form,
        errors=errors,
        complaint_limited=limited,
    )
    return HTMLResponse(page, status_code=status)


def _tenant_of(side: PublicSide, key: str | None) -> int | None:
    if not key:
        return None
    if key.startswith("ticket:"):
        ticket = side.reader.ticket(key[len("ticket:") :])
        return None if ticket is None else int(ticket["tenant_id"])
    unit = side.reader.unit(key)
    return None if unit is None else unit.tenant_id


async def _form(request: Request) -> dict[str, str]:
    body = (await request.body())[:16_384]
    if "json" in request.headers.get("content-type", ""):
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items()}


def _local(back: str | None, key: str | None, extra: dict[str, str]) -> str:
    """A same-site URL to return to (never an open redirect)."""
    target = back if back and back.startswith("/") and not back.startswith("//") else None
    if target is None:
        target = key if key and key.startswith("/") else "/"
    if not extra:
        return target
    return target + ("&" if "?" in target else "?") + urlencode(extra)


def _client_address(request: Request) -> str | None:
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.client.host if request.client else None
