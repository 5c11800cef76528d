"""The enterprise console: password login, the trace page (genealogy SVG, flow timeline),
the forward view, and what another enterprise may see (QBT-5.2.6, QBT-5.2.7, QBT-8.1)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from suyuan.bootstrap import Runtime
from suyuan.domain.access import Actor, Role
from suyuan.services.users import create_user
from trace_chains import build_reference_chain

PASSWORD = "console-test-pw"


def _user(runtime: Runtime, username: str, enterprise_id: int | None, role: Role) -> None:
    with runtime.uow() as uow:
        create_user(
            uow,
            Actor.system(),
            username=username,
            enterprise_id=enterprise_id,
            roles=frozenset({role}),
            password=PASSWORD,
        )


def _login(client: TestClient, username: str, password: str = PASSWORD) -> int:
    client.cookies.clear()
    response = client.post(
        "/console/login",
        data={"username": username, "password": password},
        follow_redirects=False,
    )
    status: int = response.status_code
    return status


def test_login_is_required_and_checks_the_password(runtime: Runtime, client: TestClient) -> None:
    """The console asks for a login; a wrong password is a 401 page, a right one a session."""
    _user(runtime, "qa", None, Role.REGULATOR)
    response = client.get("/console/trace", params={"q": "x"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login"
    assert client.get("/console/login").status_code == 200
    wrong = client.post("/console/login", data={"username": "qa", "password": "nope"})
    assert wrong.status_code == 401
    assert "<form" in wrong.text
    assert _login(client, "qa") == 303
    assert client.get("/console").status_code == 200
    client.post("/console/logout", follow_redirects=False)
    client.cookies.clear()
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_trace_pages_draw_the_genealogy_and_flow_scoped_to_the_user(
    runtime: Runtime, client: TestClient
) -> None:
    """QBT-5.2.6: one SVG box per lot, the flow as a timeline, the forward view by holder;
    QBT-8.1: a distributor's user sees only the public fields of the distillery's
    bottling record, the distillery's user sees it all."""
    chain = build_reference_chain(runtime)
    parties = chain.parties
    _user(runtime, "distillery-qa", parties.distillery.id, Role.ADMIN)
    _user(runtime, "distributor-qa", parties.distributor.id, Role.ADMIN)
    bottle = chain.bottles[0]

    assert _login(client, "distillery-qa") == 303
    page = client.get("/console/trace", params={"q": bottle})
    assert page.status_code == 200
    svg = page.text[page.text.index("<svg") : page.text.index("</svg>")]
    assert svg.count("<rect") == 8  # P1, BD1, BL1, BL2, S1, S2, K1, W1
    timeline = page.text[page.text.index('<ol class="timeline">') :]
    assert timeline[: timeline.index("</ol>")].count("<li>") == 5
    assert "FX-0002" in page.text
    assert "FX-WRONG" not in page.text
    assert "灌装车间" in page.text

    forward = client.get("/console/trace", params={"q": chain.lots["S1"], "direction": "forward"})
    assert forward.status_code == 200
    for enterprise in (parties.distillery, parties.distributor, parties.store):
        assert enterprise.name in forward.text
    assert re.search(r"<strong>18</strong>", forward.text)

    missing = client.get("/console/trace", params={"q": "NO-SUCH-BATCH"})
    assert missing.status_code == 404

    assert _login(client, "distributor-qa") == 303
    scoped = client.get("/console/trace", params={"q": bottle})
    assert scoped.status_code == 200
    assert "T6.3 (公开 public fields)" in scoped.text
    assert "灌装车间" not in scoped.text
    assert "P1" in scoped.text
