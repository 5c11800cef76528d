"""Rendering the consumer pages (Jinja2, no front-end framework, no JavaScript needed).

The answer page is on the resolver's hot path, so its rendering is cached at two levels
without changing a byte of output:

* rows: each public item row and each flow step is rendered once per distinct value
  (by the macros of ``page_rows.html``) — the category and batch items are identical for
  every unit of a GTIN and batch, flow steps for every unit of a case;
* shape: ``page.html`` is rendered once per page shape (language, verdict, which blocks
  show) with placeholders for the per-code strings, split at the placeholders, and then
  filled in with the escaped values by a join.

Pages with a refused complaint form (values, errors) are rendered directly, uncached.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup, escape

from suyuan.web.i18n import text
from suyuan.web.resolution import SHARED_ITEM, Resolution, StepJson, show_time

_CACHE_SIZE = 50_000
# Per-code strings of the answer page, filled into the cached page shapes.
_SLOTS = (
    "switch_url",
    "message",
    "checks_line",
    "code",
    "item_rows",
    "flow_label",
    "flow_rows",
    "place_key",
    "back_url",
)
_SLOT = re.compile("\ue000(\\d+)\ue001")


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


@cache
def _rows() -> Any:
    """The row macros (page_rows.html)."""
    return environment().get_template("page_rows.html").module


@cache
def _page() -> jinja2.Template:
    return environment().get_template("page.html")


@cache
def _words(lang: str) -> Callable[..., str]:
    def t(key: str, **values: object) -> str:
        return text(lang, key, **values)

    return t


def _base(lang: str, switch_url: str) -> dict[str, Any]:
    return {
        "lang": lang,
        "t": _words(lang),
        "switch_url": switch_url,
        "page_title": text(lang, "title"),
    }


def render_home(lang: str, *, code: str | None = None) -> str:
    """The home page with the manual entry form (QBT-12.2)."""
    other = "en" if lang == "zh" else "zh"
    context = _base(lang, f"/?lang={other}") | {"code": code}
    return environment().get_template("home.html").render(context)


def _when(value: str) -> str:
    return show_time(datetime.fromisoformat(value))


_item_cache: dict[Hashable, str] = {}
_step_cache: dict[Hashable, str] = {}


def _remember(store: dict[Hashable, str], key: Hashable, value: str) -> str:
    if len(store) >= _CACHE_SIZE:
        store.clear()
    store[key] = value
    return value


def _item_rows(items: list[dict[str, Any]], flow_id: str | None, lang: str) -> str:
    """The ``<dt>``/``<dd>`` rows of the public items (all but the flow)."""
    none = text(lang, "none")
    parts = []
    for item in items:
        if item["id"] == flow_id:
            continue
        value = item["value"]
        key = (lang, item["id"], item["label"], type(value), value) if _hashable(value) else None
        row = _item_cache.get(key) if key is not None else None
        if row is None:
            row = str(_rows().item_row(item, none))
            if key is not None:
                _remember(_item_cache, key, row)
        parts.append(row)
    return "".join(parts)


_MARK = "\ue002"


def _planned_rows(resolution: Resolution, flow_id: str | None) -> str:
    """:func:`_item_rows` for items assembled from a product/batch plan: the rows of the
    shared items rendered once per plan, the per-unit rows (trace code) filled in."""
    plan = resolution.plan
    assert plan is not None
    pieces = plan.rendered.get(flow_id)
    if pieces is None:
        pieces = plan.rendered[flow_id] = _plan_pieces(plan.items, flow_id, resolution.lang)
    out = []
    items = resolution.items
    for piece in pieces:
        if type(piece) is str:
            out.append(piece)
        else:
            index, before, after, empty = piece
            value = items[index]["value"]
            out.extend((before, str(escape(value)), after) if value else (empty,))
    return "".join(out)


def _plan_pieces(
    plan_items: list[tuple[int, dict[str, Any]]], flow_id: str | None, lang: str
) -> list[Any]:
    """Constant rows (joined) and, for items whose value differs per unit, (index, text
    before the value, text after, the row without a value)."""
    none = text(lang, "none")
    pieces: list[Any] = []
    constant: list[str] = []
    for index, (how, item) in enumerate(plan_items):
        if item["id"] == flow_id:
            continue
        if how == SHARED_ITEM:
            constant.append(_item_rows([item], None, lang))
            continue
        if constant:
            pieces.append("".join(constant))
            constant = []
        marked = str(_rows().item_row(item | {"value": Markup(_MARK)}, none))
        before, _, after = marked.partition(_MARK)
        empty = str(_rows().item_row(item | {"value": None}, none))
        pieces.append((index, before, after, empty))
    if constant:
        pieces.append("".join(constant))
    return pieces


def _flow_rows(steps: Any, lang: str) -> str:
    """The ``<li>`` rows of the flow."""
    parts = []
    t = _words(lang)
    for step in steps:
        if type(step) is StepJson:  # from the reader: its rows are kept with it
            row = step.rendered.get(lang)
            if row is None:
                row = step.rendered[lang] = str(_rows().flow_step(step, t, _when))
            parts.append(row)
            continue
        key = _step_key(step, lang)
        row = _step_cache.get(key) if key is not None else None
        if row is None:
            row = str(_rows().flow_step(step, t, _when))
            if key is not None:
                _remember(_step_cache, key, row)
        parts.append(row)
    return "".join(parts)


def _step_key(step: Any, lang: str) -> Hashable | None:
    if not isinstance(step, dict):
        return None
    key = (lang, *[(name, type(value), value) for name, value in step.items()])
    return key if _hashable(key) else None


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


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
    items = resolution.items
    flow_item = next((i for i in items if isinstance(i["value"], list)), None)
    if flow_item is None:
        flow_item = next((i for i in items if i["id"] == "T15.20"), None)
    lang = resolution.lang
    verdict = resolution.verdict.value
    shown = bool(items)
    message = resolution.message()
    values: dict[str, Any] = {
        "switch_url": switch_url,
        "message": message,
        "checks_line": resolution.checks_line() if shown else "",
        "code": resolution.code,
        "item_rows": Markup(
            _planned_rows(resolution, flow_item["id"] if flow_item else None)
            if resolution.plan is not None
            else _item_rows(items, flow_item["id"] if flow_item else None, lang)
        )
        if shown
        else Markup(),
        "flow_label": flow_item["label"] if flow_item else None,
        "flow_rows": Markup(_flow_rows(flow_item["value"], lang))
        if shown and flow_item and flow_item["value"]
        else Markup(),
        "place_key": resolution.key or f"ticket:{resolution.code}",
        "back_url": back_url,
    }
    shape: dict[str, Any] = {
        "lang": lang,
        "verdict": verdict,
        "kind": resolution.kind,
        "shown": shown,
        "has_forms": bool(resolution.key or resolution.kind == "ticket"),
        "complaint_done": complaint_done,
        "complaint_limited": complaint_limited,
        "place_shared": place_shared,
    }
    if form or errors:
        return _render(shape, values, form or {}, errors or {})
    key = (
        *shape.values(),
        values["flow_label"] is None,
        *[not values[name] for name in _SLOTS],
    )
    compiled = _shapes.get(key)
    if compiled is None:
        compiled = _shapes[key] = _compile(_render(shape, _placeholders(values), {}, {}))
    template, names = compiled
    return template.format(*[escape(values[name]) for name in names])


_shapes: dict[tuple[Any, ...], tuple[str, tuple[str, ...]]] = {}


def _render(
    shape: dict[str, Any], values: dict[str, Any], form: dict[str, str], errors: dict[str, bool]
) -> str:
    lang = shape["lang"]
    context = _base(lang, values["switch_url"]) | shape | values | {"form": form, "errors": errors}
    context["page_title"] = f"{text(lang, 'verdict.' + shape['verdict'])} · {text(lang, 'title')}"
    return _page().render(context)


def _placeholders(values: dict[str, Any]) -> dict[str, Any]:
    """Each per-code string replaced by a marker (kept empty or None where the template
    tests it, so the shape decides those branches)."""
    marked: dict[str, Any] = {}
    for index, name in enumerate(_SLOTS):
        value = values[name]
        marked[name] = Markup(f"\ue000{index}\ue001") if value else value
    return marked


def _compile(page: str) -> tuple[str, tuple[str, ...]]:
    """The page as a format string with one field per per-code string, and their names."""
    pieces = _SLOT.split(page)
    template = "".join(
        piece.replace("{", "{{").replace("}", "}}") if n % 2 == 0 else "{}"
        for n, piece in enumerate(pieces)
    )
    return template, tuple(_SLOTS[int(piece)] for piece in pieces[1::2])
