"""The foundation through the HTTP API: auth, tenant isolation, error shape (QBT-4.6, GEN-21)."""

from __future__ import annotations

from typing import Any

from factories import make_api_user, make_enterprise, make_product
from suyuan.bootstrap import Runtime


def test_api_requires_a_token(client: Any) -> None:
    """Every non-public endpoint answers 401 with the error shape without a valid token."""
    for path in ("/api/v1/enterprises", "/api/v1/products"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"
    response = client.get("/api/v1/products", headers={"Authorization": "Bearer sy_forged"})
    assert response.status_code == 401


def test_enterprise_sees_only_its_own_products(client: Any, runtime: Runtime) -> None:
    """QBT-4.6: one enterprise cannot read another's data."""
    a = make_enterprise(runtime, gs1_company_prefix="6901234")
    b = make_enterprise(runtime, gs1_company_prefix="6911234")
    make_product(runtime, a, gtin="06901234567892")
    make_product(runtime, b, gtin="06911234567891")
    user_a = make_api_user(runtime, a)
    listed = client.get("/api/v1/products", headers=user_a.headers).json()
    assert [p["gtin"] for p in listed] == ["06901234567892"]
    response = client.get("/api/v1/products/06911234567891", headers=user_a.headers)
    assert response.status_code == 404
    response = client.get(f"/api/v1/enterprises/{b.slug}", headers=user_a.headers)
    assert response.status_code == 404


def test_enterprise_cannot_write_into_another(client: Any, runtime: Runtime) -> None:
    """QBT-4.6: a user of A cannot file a product for B."""
    a = make_enterprise(runtime, gs1_company_prefix="6901234")
    b = make_enterprise(runtime, gs1_company_prefix="6911234")
    user_a = make_api_user(runtime, a)
    body = {"gtin": "06911234567891", "name": "x", "enterprise": b.slug}
    response = client.post("/api/v1/products", json=body, headers=user_a.headers)
    assert response.status_code in (403, 404)
    user_b = make_api_user(runtime, b)
    assert client.get("/api/v1/products", headers=user_b.headers).json() == []


def test_regulator_reads_every_enterprise(client: Any, runtime: Runtime) -> None:
    """HW-9: a platform regulator reads across enterprises but cannot register them."""
    a = make_enterprise(runtime)
    make_product(runtime, a)
    regulator = make_api_user(runtime, None, roles="regulator")
    assert len(client.get("/api/v1/products", headers=regulator.headers).json()) == 1
    response = client.post(
        "/api/v1/enterprises", json={"slug": "x1", "name": "X"}, headers=regulator.headers
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_product_errors_use_the_error_shape(client: Any, runtime: Runtime) -> None:
    """Bad GTIN: 400 with code, message and detail naming the input."""
    a = make_enterprise(runtime)
    user = make_api_user(runtime, a)
    response = client.post(
        "/api/v1/products", json={"gtin": "6901234567893", "name": "x"}, headers=user.headers
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_identifier"
    assert "wrong check digit" in error["message"]
    assert error["detail"]["input"] == "6901234567893"


def test_operator_without_admin_cannot_create_users_elsewhere(runtime: Runtime) -> None:
    """GEN-21: roles are checked in services, not handlers."""
    import pytest

    from suyuan.domain.access import Actor, Role
    from suyuan.errors import PermissionDenied
    from suyuan.services.users import create_user

    a = make_enterprise(runtime)
    operator = Actor(name="op", roles=frozenset({Role.OPERATOR}), enterprise_id=a.id)
    with runtime.uow() as uow, pytest.raises(PermissionDenied):
        create_user(uow, operator, username="x1", enterprise_id=a.id, roles=frozenset({Role.ADMIN}))


def test_oversized_body_is_refused(client: Any, runtime: Runtime) -> None:
    """Oversized bodies get 413 before any work."""
    a = make_enterprise(runtime)
    user = make_api_user(runtime, a)
    big = "x" * (65 << 20)
    response = client.post(
        "/api/v1/products", content=big, headers=user.headers | {"content-type": "application/json"}
    )
    assert response.status_code == 413
