"""Request bodies of the API (pydantic lives only here and in config)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class EnterpriseIn(BaseModel):
    """Body of POST /api/v1/enterprises."""

    slug: str
    name: str
    role: str = "producer"
    gs1_company_prefix: str | None = None
    idis_prefix: str | None = None
    address: str | None = None
    region: str | None = None
    licence: str | None = None
    phone: str | None = None
    website: str | None = None
    profile: str = "baijiu"


class PackagingIn(BaseModel):
    """One packaging level above the item."""

    level: str
    contains: int
    gtin: str | None = None


class ProductIn(BaseModel):
    """Body of POST /api/v1/products."""

    gtin: str
    name: str
    category: str = "baijiu"
    packaging: list[PackagingIn] = Field(default_factory=list)
    attributes: dict[str, Any] = Field(default_factory=dict)
    enterprise: str | int | None = Field(
        default=None, description="Owner (id or slug); defaults to the caller's enterprise."
    )
