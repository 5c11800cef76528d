"""The consumer resolver over HTTP on both databases (QBT-12.1, QBT-12.2, QBT-10.4, HW-8,
GEN-15, GEN-30, QBT-T14, QBT-11.4(g)): every printed form, every verdict, content
negotiation, linksets, complaints, page weight, and the public-only server."""

from __future__ import annotations

import gc
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from public_world import World, world_copy
from suyuan.api.app import create_app
from suyuan.cli import serve as serve_module
from suyuan.storage.engine import make_engine
from suyuan.storage.public_access import export_public, grant_public_role
from suyuan.storage.public_tables import alerts, complaints, scan_counts, scan_log
from suyuan.web.fast_resolver import serving_app

JSON = {"accept": "application/json"}
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
ITEM_KEYS = {"id", "label", "value"}
TOP_KEYS = {"code", "key", "verdict", "title", "message", "lang", "checks", "profile", "items"}
FLOW_KEYS = {"time", "step", "place", "shipper", "receiver"}
INTERNAL = (
    "刘洋",
    "张建国",
    "店员",
    "yibin-distillery",
    "dist-chengdu",
    "urn:suyuan:party",
    "FH000001",
    "0.92",
    "holder",
    "tenant_id",
    "lot_key",
    "陶坛",
    "password",
)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    """The tiny world, built once per database kind."""
    directory = tmp_path_factory.mktemp("resolver")
    with world_copy(request.param, directory) as copy:
        yield copy


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[TestClient]:
    """The full server (API and resolver)."""
    with TestClient(create_app(world.settings)) as test_client:
        yield test_client


def _flush(client: TestClient) -> None:
    client.app.state.public_side.feedback.flush()  # type: ignore[attr-defined]


def _json(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, headers=JSON, params=params)
    body: dict[str, Any] = response.json()
    return body


def _serial(key: str) -> tuple[str, str]:
    return key[4:18], key[22:]


# --- printed forms ----------------------------------------------------------------------------


def test_every_printed_form_of_a_genuine_bottle_resolves(client: TestClient, world: World) -> None:
    key = world.codes["genuine"]
    gtin, serial = _serial(key)
    scan_paths = [
        key,
        f"/01/{gtin}/10/2026031001/21/{serial}",
        f"{key}?17=281231",
        f"/88.118.8/{gtin}{serial}",
    ]
    typed = [
        f"88.118.8/{gtin}{serial}",
        f"(01){gtin}(21){serial}",
        f"{gtin}{serial}",
        f"https://trace.example.cn{key}",
        f"  {key}  ",
    ]
    for path in scan_paths:
        body = _json(client, path)
        assert (path, body["verdict"], body["key"]) == (path, "genuine", key)
    for code in typed:
        body = _json(client, "/q", code=code)
        assert (code, body["verdict"], body["key"]) == (code, "genuine", key)


def test_cases_and_pallets_resolve_by_sscc(client: TestClient, world: World) -> None:
    for name in ("case", "pallet"):
        body = _json(client, world.codes[name])
        assert body["verdict"] == "genuine"
        assert next(i["id"] for i in body["items"]) == "T15.1"
    assert _json(client, "/q", code=world.codes["case"][4:])["verdict"] == "genuine"


# --- verdicts --------------------------------------------------------------------------------


def test_a_recalled_bottle_gets_the_red_warning_with_what_to_do(
    client: TestClient, world: World
) -> None:
    body = _json(client, world.codes["recalled"])
    assert body["verdict"] == "recalled"
    assert "0831-8888888" in body["message"]
    page = client.get(world.codes["recalled"], headers=BROWSER).text
    assert 'class="verdict v-recalled"' in page
    assert "召回产品：请勿饮用" in page


def test_a_forged_code_is_refused_from_its_tag(client: TestClient, world: World) -> None:
    gtin, serial = _serial(world.codes["genuine"])
    forged = serial[:-1] + ("A" if serial[-1] != "A" else "B")
    body = _json(client, f"/01/{gtin}/21/{forged}")
    assert body["verdict"] == "forged"
    assert "items" not in body
    assert client.get(f"/01/{gtin}/21/{forged}", headers=BROWSER).status_code == 200


def test_voided_unknown_and_malformed_codes(client: TestClient, world: World) -> None:
    assert _json(client, world.codes["voided"])["verdict"] == "voided"
    assert _json(client, "/01/06901234000993/21/ABCDEFGHIJKLMNOPQ")["verdict"] == "unknown"
    assert _json(client, "/00/069012349999999998")["verdict"] == "unknown"
    for code in ("hello", "/01/12345678901234/21/X", "0690123456789"):
        response = client.get("/q", params={"code": code}, headers=JSON)
        assert response.status_code == 404
        assert response.json()["verdict"] == "malformed"


def test_a_code_checked_many_times_becomes_suspicious_with_its_first_check(
    client: TestClient, world: World
) -> None:
    key = world.codes["sold"]
    first = _json(client, key, place="成都")
    assert first["verdict"] == "genuine"
    limit = world.settings.scan_alert_checks
    for _ in range(limit - 2):
        _json(client, key)
    assert _json(client, key)["verdict"] == "genuine"  # the check that reaches the limit
    body = _json(client, key)
    assert body["verdict"] == "suspicious"
    assert body["checks"]["count"] == limit
    assert body["checks"]["first_place"] == "成都"
    assert "成都" in body["message"]
    _flush(client)
    engine = make_engine(world.settings.database_url)
    with engine.connect() as conn:
        count = conn.execute(sa.select(scan_counts.c.count).where(scan_counts.c.key == key))
        assert count.scalar_one() == limit + 1
        logged = conn.execute(sa.select(scan_log).where(scan_log.c.key == key)).all()
        assert {r.channel for r in logged} == {"scan"}
        assert logged[0].place == "成都"
        rule = conn.execute(sa.select(alerts.c.rule).where(alerts.c.object == key)).scalars()
        assert "repeated_checks" in set(rule)
    engine.dispose()


# --- the page and its data ------------------------------------------------------------------


def test_json_carries_exactly_the_public_items_in_order(client: TestClient, world: World) -> None:
    body = _json(client, world.codes["genuine"])
    assert set(body) <= TOP_KEYS | {"links"}
    assert [i["id"] for i in body["items"]] == [f"T15.{n}" for n in range(1, 21)]
    assert all(set(i) == ITEM_KEYS for i in body["items"])
    flow = body["items"][19]["value"]
    assert flow
    assert all(set(step) == FLOW_KEYS for step in flow)


def test_no_internal_value_appears_in_any_answer(client: TestClient, world: World) -> None:
    for name in ("genuine", "sold", "failed_qc", "recalled", "case", "pallet", "voided"):
        for headers in (JSON, BROWSER):
            text = client.get(world.codes[name], headers=headers, params={"lang": "en"}).text
            text += client.get(world.codes[name], headers=headers).text
            for value in INTERNAL:
                assert value not in text, (name, value)
            for token in world.internal["tokens"].values():
                assert token not in text


def test_a_browser_gets_a_light_accessible_page_that_needs_no_javascript(
    client: TestClient, world: World
) -> None:
    response = client.get(world.codes["genuine"], headers=BROWSER)
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert len(response.content) < 100_000
    assert "<script" not in page
    assert '<html lang="zh-CN">' in page
    assert 'name="viewport"' in page
    assert "正品：此追溯码真实有效" in page
    assert "宜宾某某酒业有限公司" in page
    for field_id in ("code", "c-contact", "c-content", "c-name", "place"):
        if f'id="{field_id}"' in page:
            assert f'for="{field_id}"' in page
    home = client.get("/")
    assert '<form method="get" action="/q">' in home.text
    assert len(home.content) < 100_000


def test_the_language_switch_gives_english_and_back(client: TestClient, world: World) -> None:
    page = client.get(world.codes["genuine"], headers=BROWSER).text
    switch = re.search(r'href="([^"]+)"[^>]*id="lang-switch"', page)
    assert switch is not None
    english = client.get(switch.group(1).replace("&amp;", "&"), headers=BROWSER).text
    assert '<html lang="en">' in english
    assert "Genuine: this trace code is valid" in english
    assert "Inspection result and quality grade".lower() in english.lower()
    assert ">中文<" in english


def test_link_type_all_returns_the_linkset(client: TestClient, world: World) -> None:
    response = client.get(world.codes["genuine"], params={"linkType": "all"})
    assert response.headers["content-type"] == "application/linkset+json"
    (links,) = response.json()["linkset"]
    assert links["anchor"] == "https://trace.example.cn" + world.codes["genuine"]
    assert "https://gs1.org/voc/pip" in links
    assert "https://gs1.org/voc/defaultLink" in links


def test_the_served_front_answers_as_the_app_does(world: World) -> None:
    """`suyuan serve` puts the consumer dispatcher in front of the app's middleware: the same
    answers and headers (the request id kept, or a new one), everything else passed on."""
    gtin, serial = _serial(world.codes["genuine"])
    forged = f"/01/{gtin}/21/{serial[:-1]}{'A' if serial[-1] != 'A' else 'B'}"
    requests: list[tuple[str, dict[str, str], dict[str, str]]] = [
        ("/", {}, BROWSER),
        ("/", {"lang": "en"}, BROWSER),
        ("/q", {"code": ""}, BROWSER),
        ("/q", {"code": "hello"}, JSON),
        (forged, {}, BROWSER),
        (forged, {"lang": "en"}, JSON),
        (world.codes["voided"], {}, BROWSER),
        (world.codes["genuine"], {"linkType": "all"}, JSON),
        ("/01/06901234000993/21/ABCDEFGHIJKLMNOPQ", {}, BROWSER),
        ("/88.118.8/x/y", {}, JSON),
    ]
    plain_app, front_app = create_app(world.settings), create_app(world.settings)
    with TestClient(plain_app) as plain, TestClient(serving_app(front_app)) as front:
        for path, params, headers in requests:
            asked = headers | {"x-request-id": "req-1"}
            expected = plain.get(path, params=params, headers=asked)
            answer = front.get(path, params=params, headers=asked)
            assert (answer.status_code, answer.headers, answer.content) == (
                expected.status_code,
                expected.headers,
                expected.content,
            ), path
        theirs = _json(plain, world.codes["genuine"])
        ours = _json(front, world.codes["genuine"])
        assert ours.pop("checks")["count"] == theirs.pop("checks")["count"] + 1
        assert ours == theirs
        assert len(front.get("/", headers=BROWSER).headers["x-request-id"]) == 32
        assert front.get("/healthz").status_code == 200
        assert front.get("/api/v1/products").status_code == 401
    for app in (plain_app, front_app):
        app.state.public_side.close()


def test_serve_workers_build_the_same_app_from_the_environment(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`serve --workers N`: each worker process builds the served app from the settings the
    parent hands over in the environment."""
    monkeypatch.setenv(serve_module._WORKER_SETTINGS, world.settings.model_dump_json())
    monkeypatch.setenv(serve_module._WORKER_PUBLIC, "")
    try:
        with TestClient(serve_module.worker_app()) as worker:
            body = _json(worker, world.codes["genuine"])
            assert (body["verdict"], body["links"]["self"]) == (
                "genuine",
                world.settings.resolver_url + world.codes["genuine"],
            )
    finally:
        gc.unfreeze()


def test_a_shared_place_is_attached_to_the_last_check(client: TestClient, world: World) -> None:
    key = world.codes["failed_qc"]
    client.get(key, headers=BROWSER)
    response = client.post(
        "/place", data={"key": key, "place": "30.66, 104.07"}, follow_redirects=False
    )
    assert response.status_code == 303
    _flush(client)
    engine = make_engine(world.settings.database_url)
    with engine.connect() as conn:
        places = conn.execute(sa.select(scan_log.c.place).where(scan_log.c.key == key)).scalars()
        assert "30.7,104.1" in set(places)
    engine.dispose()


# --- complaints -----------------------------------------------------------------------------


def test_complaints_are_validated_stored_alerted_and_rate_limited(
    client: TestClient, world: World
) -> None:
    key = world.codes["genuine"]
    headers = {"x-forwarded-for": f"10.9.{uuid.uuid4().int % 200}.1"}
    bad = client.post(
        "/complaints", data={"key": key, "contact": "x", "content": "ok"}, headers=headers
    )
    assert bad.status_code == 422
    assert "请填写有效的手机号、电话或邮箱。" in bad.text
    assert "x" in bad.text
    bad_json = client.post(
        "/complaints", json={"key": key, "contact": "1", "content": ""}, headers=headers | JSON
    )
    assert bad_json.json()["error"]["detail"]["fields"] == ["contact", "content"]
    good = {"key": key, "contact": "13800138000", "content": "瓶盖密封不严，有渗漏", "back": key}
    response = client.post("/complaints", data=good, headers=headers, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith(key)
    assert "complained=1" in response.headers["location"]
    for _ in range(2):
        assert client.post("/complaints", json=good, headers=headers | JSON).status_code == 201
    limited = client.post("/complaints", json=good, headers=headers | JSON)
    assert limited.status_code == 429
    engine = make_engine(world.settings.database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(complaints).where(complaints.c.key == key)).all()
        assert len(rows) == 3
        assert rows[0].contact == "13800138000"
        assert rows[0].tenant_id is not None
        assert not any(part in rows[0].client for part in ("10.9", "."))
        raised = conn.execute(
            sa.select(sa.func.count())
            .select_from(alerts)
            .where(alerts.c.rule == "consumer_complaint", alerts.c.object == key)
        ).scalar_one()
        assert raised == 3
    engine.dispose()


def test_a_complaint_never_redirects_off_site(client: TestClient, world: World) -> None:
    data = {
        "key": world.codes["genuine"],
        "contact": "a@b.cn",
        "content": "hello there",
        "back": "//evil.example/x",
    }
    headers = {"x-forwarded-for": "10.250.0.9"}
    response = client.post("/complaints", data=data, headers=headers, follow_redirects=False)
    assert response.headers["location"].startswith(world.codes["genuine"])


# --- the public-only server -------------------------------------------------------------------


@pytest.fixture(scope="module")
def public_client(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """`serve --public`: a read-only published file (SQLite) or the public role (PostgreSQL);
    the internal database URL points nowhere."""
    url = world.settings.database_url
    engine = make_engine(url)
    role = None
    if url.startswith("sqlite"):
        public_url = f"sqlite:///{tmp_path_factory.mktemp('public') / 'public.db'}"
        export_public(engine, public_url)
    else:
        role = f"suyuan_public_{uuid.uuid4().hex[:8]}"
        grant_public_role(engine, role, "pw")
        public_url = (
            make_url(url).set(username=role, password="pw").render_as_string(hide_password=False)
        )
    settings = world.settings.model_copy(
        update={
            "database_url": "sqlite:////nonexistent/internal.db",
            "public_database_url": public_url,
        }
    )
    try:
        with TestClient(create_app(settings, public_only=True)) as test_client:
            yield test_client
    finally:
        if role is not None:
            with engine.begin() as conn:
                conn.exec_driver_sql(f"DROP OWNED BY {role}")
                conn.exec_driver_sql(f"DROP ROLE {role}")
        engine.dispose()


def test_the_public_server_answers_from_the_public_projection_only(
    public_client: TestClient, world: World
) -> None:
    assert _json(public_client, world.codes["genuine"])["verdict"] == "genuine"
    assert _json(public_client, world.codes["recalled"])["verdict"] == "recalled"
    assert _json(public_client, world.codes["voided"])["verdict"] == "voided"
    assert public_client.get("/api/v1/products").status_code == 404
    assert public_client.get("/epcis/events").status_code == 404
    complaint = {"key": world.codes["genuine"], "contact": "13900139000", "content": "包装破损严重"}
    response = public_client.post(
        "/complaints", json=complaint, headers=JSON | {"x-forwarded-for": "10.77.0.1"}
    )
    assert response.status_code == 201
