"""Rendering the consumer pages (Jinja2, no front-end framework, no JavaScript needed)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from suyuan.web.i18n import text
from suyuan.web.resolution import Resolution, show_time


@cache
def environment() -> jinja2.Environment:
    """The template environment (built once)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("suyuan.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["css"] = Markup(
        resources.files("suyuan.web").joinpath("static/site.css").read_text("utf-8")
    )
    return env


def _base(lang: str, switch_url: str) -> dict[str, Any]:
    return {
        "lang": lang,
        "t": lambda key, **values: text(lang, key, **values),
        "switch_url": switch_url,
        "page_title": text(lang, "title"),
    }


def render_home(lang: str, *, code: str | None = None) -> str:
    """The home page with the manual entry form (QBT-12.2)."""
    other = "en" if lang == "zh" else "zh"
    context = _base(lang, f"/?lang={other}") | {"code": code}
    return environment().get_template("home.html").render(context)


def render_resolution(
    resolution: Resolution,
    *,
    switch_url: str,
    back_url: str,
    form: dict[str, str] | None = None,
    errors: dict[str, bool] | None = None,
    complaint_done: bool = False,
    complaint_limited: bool = False,
    place_shared: bool = False,
) -> str:
    """The answer page: verdict in words, public items, flow, complaint form."""
    flow_item = next((i for i in resolution.items if isinstance(i["value"], list)), None)
    if flow_item is None:
        flow_item = next((i for i in resolution.items if i["id"] == "T15.20"), None)
    lang = resolution.lang
    context = _base(lang, switch_url) | {
        "r": resolution,
        "shown": bool(resolution.items),
        "flow_item": flow_item,
        "flow_id": flow_item["id"] if flow_item else None,
        "when": lambda value: show_time(datetime.fromisoformat(value)),
        "place_key": resolution.key or f"ticket:{resolution.code}",
        "back_url": back_url,
        "form": form or {},
        "errors": errors or {},
        "complaint_done": complaint_done,
        "complaint_limited": complaint_limited,
        "place_shared": place_shared,
    }
    context["page_title"] = (
        f"{text(lang, 'verdict.' + resolution.verdict.value)} · {text(lang, 'title')}"
    )
    return environment().get_template("page.html").render(context)
