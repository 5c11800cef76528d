"""The enterprise console: log in, then trace a code or batch (graph and timeline)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from suyuan.bootstrap import Runtime
from suyuan.domain.access import Actor
from suyuan.errors import NotFound, SuyuanError, Unauthenticated
from suyuan.queries.trace import trace_back, trace_flow, trace_forward
from suyuan.services.users import actor_for_user, authenticate_password
from suyuan.web import sessions
from suyuan.web.genealogy import BOX_H, BOX_W, lay_out

router = APIRouter(prefix="/console", include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates") / "console"))


def _shown(value: Any) -> str:
    """A record value for people: quantities as '500 mL', lists joined."""
    if isinstance(value, dict) and "value" in value:
        return f"{value['value']} {value.get('unit') or ''}".strip()
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_shown(v)}" for k, v in value.items())
    return str(value)


templates.env.filters["shown"] = _shown


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _secret(runtime: Runtime) -> bytes:
    return sessions.session_secret(runtime.settings.key_dir)


def console_actor(request: Request) -> Actor:
    """The logged-in console user; 401 page otherwise."""
    runtime = _runtime(request)
    user_id = sessions.read(_secret(runtime), request.cookies.get(sessions.COOKIE))
    if user_id is None:
        raise Unauthenticated("log in to use the console")
    with runtime.uow(write=False) as uow:
        return actor_for_user(uow, user_id, request_id=request.state.request_id)


ConsoleActor = Annotated[Actor, Depends(console_actor)]


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, error: str | None = None) -> Response:
    """The login form."""
    return templates.TemplateResponse(request, "login.html", {"error": error})


@router.post("/login")
def login(
    request: Request, username: Annotated[str, Form()], password: Annotated[str, Form()]
) -> Response:
    """Check the password and set a signed session cookie."""
    runtime = _runtime(request)
    try:
        with runtime.uow(write=False) as uow:
            actor = authenticate_password(
                uow, username, password, request_id=request.state.request_id
            )
    except Unauthenticated as exc:
        return templates.TemplateResponse(
            request, "login.html", {"error": str(exc)}, status_code=401
        )
    assert actor.user_id is not None
    response = RedirectResponse("/console", status_code=303)
    response.set_cookie(
        sessions.COOKIE,
        sessions.issue(_secret(runtime), actor.user_id),
        httponly=True,
        samesite="lax",
        max_age=sessions.LIFETIME,
    )
    return response


@router.post("/logout")
def logout() -> Response:
    """Forget the session."""
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(sessions.COOKIE)
    return response


@router.get("", response_class=HTMLResponse)
def home(request: Request, actor: ConsoleActor) -> Response:
    """Search box for a code or a batch."""
    return templates.TemplateResponse(request, "home.html", {"actor": actor})


@router.get("/trace", response_class=HTMLResponse)
def trace_page(
    request: Request, actor: ConsoleActor, q: str = "", direction: str = "back"
) -> Response:
    """Backward trace with the genealogy as a graph and the flow as a timeline, or forward."""
    runtime = _runtime(request)
    context: dict[str, Any] = {
        "actor": actor,
        "q": q,
        "direction": direction,
        "box_w": BOX_W,
        "box_h": BOX_H,
    }
    try:
        with runtime.uow(write=False) as uow:
            if direction == "forward":
                context["forward"] = trace_forward(uow.connection, actor, q)
            else:
                back = trace_back(uow.connection, actor, q)
                context["back"] = back
                context["layout"] = lay_out(back["lots"])
                if back.get("unit"):
                    context["flow"] = trace_flow(uow.connection, actor, q)
    except NotFound as exc:
        context["error"] = str(exc)
        return templates.TemplateResponse(request, "trace.html", context, status_code=404)
    except SuyuanError as exc:
        context["error"] = str(exc)
        return templates.TemplateResponse(request, "trace.html", context, status_code=400)
    return templates.TemplateResponse(request, "trace.html", context)
