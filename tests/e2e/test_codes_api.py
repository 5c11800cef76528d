"""Code blocks and codes through the HTTP API, with tenant isolation, on both databases.

Requirements: QBT-7.1 and QBT-7.2 (issuing unique codes, verifying them in every printed
form), QBT-7.3 (voided labels recorded per block), QBT-6.4 (resolver URLs in the files),
HW-1 (many printed forms of one key), HW-2 (SSCCs for pallets), GEN-2 (no row per
code) and GEN-32 (printer files, streamed).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from factories import ApiUser, make_api_user, make_enterprise, make_product
from suyuan.bootstrap import Runtime
from suyuan.services.enterprises import Enterprise

GTIN_A = "06901234567892"
GTIN_B = "06911234567891"


def two_enterprises(runtime: Runtime) -> tuple[Enterprise, ApiUser, Enterprise, ApiUser]:
    """Enterprises A and B, each with a product and an admin user."""
    a = make_enterprise(runtime, gs1_company_prefix="6901234", idis_prefix="88.118.8")
    b = make_enterprise(runtime, gs1_company_prefix="6911234", idis_prefix="88.118.9")
    make_product(runtime, a, gtin=GTIN_A)
    make_product(runtime, b, gtin=GTIN_B)
    return a, make_api_user(runtime, a), b, make_api_user(runtime, b)


def issue(client: Any, user: ApiUser, **body: Any) -> dict[str, Any]:
    """POST /api/v1/code-blocks that must succeed."""
    response = client.post("/api/v1/code-blocks", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    block: dict[str, Any] = response.json()
    return block


def download(client: Any, user: ApiUser, block_id: int, fmt: str) -> list[str]:
    """The lines of a block's printer file."""
    response = client.get(f"/api/v1/code-blocks/{block_id}/file?format={fmt}", headers=user.headers)
    assert response.status_code == 200, response.text
    text: str = response.text
    return text.splitlines()


def check(client: Any, user: ApiUser, code: str) -> dict[str, Any]:
    """GET /api/v1/codes/{code}, the code percent-encoded whole."""
    response = client.get(f"/api/v1/codes/{quote(code, safe='')}", headers=user.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_issue_download_and_verify_every_form(client: Any, runtime: Runtime) -> None:
    """QBT-7.1, QBT-7.2, HW-1, GEN-32: issue a block, download each file format, verify
    trace codes, Digital Link URLs, element strings (bracketed, raw with GS) and plain."""
    _, user, _, _ = two_enterprises(runtime)
    block = issue(client, user, gtin=GTIN_A, count=1000, level="item")
    assert block["count"] == 1000
    assert block["first_code"].startswith(f"/01/{GTIN_A}/21/")
    files = {fmt: download(client, user, block["id"], fmt) for fmt in ("idis", "url", "element")}
    assert {len(f) for f in files.values()} == {1000}
    assert len(set(files["idis"])) == 1000
    csv = download(client, user, block["id"], "csv")
    assert csv[0] == "seq,serial,idis_code,url,element_string"
    assert csv[1].split(",")[1:] == [
        files["idis"][0][-17:],
        files["idis"][0],
        files["url"][0],
        files["element"][0],
    ]
    assert files["url"][0] == f"https://trace.example.cn{block['first_code']}"
    serial = files["idis"][7][-17:]
    forms = [
        files["idis"][7],
        files["url"][7],
        files["element"][7],
        f"]d201{GTIN_A}10L2024\x1d21{serial}",
        f"01{GTIN_A}21{serial}",
        GTIN_A + serial,
    ]
    results = [check(client, user, form) for form in forms]
    assert {(r["well_formed"], r["genuine"], r["state"], r["block_id"]) for r in results} == {
        (True, True, "issued", block["id"])
    }
    assert {r["key"] for r in results} == {f"/01/{GTIN_A}/21/{serial}"}
    assert [r["form"] for r in results] == [
        "trace_code",
        "digital_link",
        "element_string",
        "element_string_raw",
        "element_string_raw",
        "plain",
    ]
    forged = check(client, user, GTIN_A + serial[:-1] + ("A" if serial[-1] != "A" else "B"))
    assert (forged["well_formed"], forged["genuine"], forged["state"]) == (True, False, "forged")
    malformed = check(client, user, "(01)06901234567893(21)X")
    assert (malformed["well_formed"], malformed["state"]) == (False, "malformed")
    assert "wrong check digit" in malformed["reason"]


def test_pallets_get_ssccs_and_verify(client: Any, runtime: Runtime) -> None:
    """HW-2: a pallet block is a range of SSCCs of the enterprise's company prefix."""
    _, user, _, _ = two_enterprises(runtime)
    block = issue(client, user, gtin=GTIN_A, count=3, level="pallet")
    ssccs = download(client, user, block["id"], "idis")
    assert block["first_code"] == f"/00/{ssccs[0]}"
    assert len(set(ssccs)) == 3
    result = check(client, user, f"(00){ssccs[2]}")
    assert (result["genuine"], result["state"], result["level"]) == (True, "issued", "pallet")
    assert result["block_id"] == block["id"]


def test_void_is_recorded_and_changes_the_state(client: Any, runtime: Runtime) -> None:
    """QBT-7.3(b): voided codes show their state, and the block counts them."""
    _, user, _, _ = two_enterprises(runtime)
    block = issue(client, user, gtin=GTIN_A, count=5)
    codes = download(client, user, block["id"], "url")
    response = client.post(
        "/api/v1/codes/void",
        json={"codes": codes[:2], "reason": "printer jam"},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    [record] = response.json()
    assert (record["block_id"], record["count"], record["reason"]) == (
        block["id"],
        2,
        "printer jam",
    )
    assert record["actor"] == user.username
    assert check(client, user, codes[0])["state"] == "voided"
    response = client.post(
        "/api/v1/codes/void",
        json={"codes": codes[:1], "reason": "shredded", "destroyed": True},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    assert check(client, user, codes[0])["state"] == "destroyed"
    response = client.post(
        "/api/v1/codes/void", json={"codes": codes[:1], "reason": "x"}, headers=user.headers
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    [listed] = client.get("/api/v1/code-blocks", headers=user.headers).json()
    assert (listed["id"], listed["voided"]) == (block["id"], 3)


def test_bad_input_gets_the_error_shape(client: Any, runtime: Runtime) -> None:
    """Unknown GTIN, count 0, a level without packaging, a bad level: clear errors."""
    a, user, _, _ = two_enterprises(runtime)
    make_product(runtime, a, gtin="06901234567908", packaging="")
    cases = [
        ({"gtin": "06901234567885", "count": 5}, 404, "06901234567885"),
        ({"gtin": GTIN_A, "count": 0}, 422, "count"),
        ({"gtin": GTIN_A, "count": 200_000_000}, 400, "must be between 1 and"),
        ({"gtin": "06901234567908", "count": 5, "level": "case"}, 400, "has no case level"),
        ({"gtin": GTIN_A, "count": 5, "level": "crate"}, 400, "level 'crate'"),
        ({"gtin": "0690123456789X", "count": 5}, 400, "0690123456789X"),
    ]
    for body, status, message in cases:
        response = client.post("/api/v1/code-blocks", json=body, headers=user.headers)
        assert response.status_code == status, (body, response.text)
        error = response.json()["error"]
        assert {"code", "message", "detail"} <= error.keys()
        assert message in error["message"] + str(error["detail"]), (body, error)
    response = client.post(
        "/api/v1/codes/void", json={"codes": ["hello"], "reason": "x"}, headers=user.headers
    )
    assert response.status_code == 400
    assert "malformed" in response.json()["error"]["message"]
    response = client.get("/api/v1/code-blocks/999/file", headers=user.headers)
    assert response.status_code == 404
    assert client.get("/api/v1/code-blocks", headers=user.headers).json() == []
    assert client.post("/api/v1/code-blocks", json={"gtin": GTIN_A, "count": 1}).status_code == 401


def test_an_enterprise_cannot_issue_list_download_or_void_anothers_codes(
    client: Any, runtime: Runtime
) -> None:
    """QBT-4.6: B cannot issue for A's GTIN, list or download A's blocks, or void A's codes."""
    _, user_a, _, user_b = two_enterprises(runtime)
    block = issue(client, user_a, gtin=GTIN_A, count=4)
    codes = download(client, user_a, block["id"], "element")
    response = client.post(
        "/api/v1/code-blocks", json={"gtin": GTIN_A, "count": 5}, headers=user_b.headers
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"].endswith("not_found")
    assert client.get("/api/v1/code-blocks", headers=user_b.headers).json() == []
    response = client.get(f"/api/v1/code-blocks/{block['id']}/file", headers=user_b.headers)
    assert response.status_code == 404
    response = client.post(
        "/api/v1/codes/void",
        json={"codes": codes[:1], "reason": "sabotage"},
        headers=user_b.headers,
    )
    assert response.status_code == 404
    assert check(client, user_a, codes[0])["state"] == "issued"
    # Authenticity is public; which block a code came from is A's business.
    seen_by_b = check(client, user_b, codes[0])
    assert (seen_by_b["genuine"], seen_by_b["block_id"]) == (True, None)
    own = issue(client, user_b, gtin=GTIN_B, count=2)
    listed_a = client.get("/api/v1/code-blocks", headers=user_a.headers).json()
    assert [b["id"] for b in listed_a] == [block["id"]]
    regulator = make_api_user(runtime, None, roles="regulator")
    listed = client.get("/api/v1/code-blocks", headers=regulator.headers).json()
    assert [b["id"] for b in listed] == [block["id"], own["id"]]
