"""Profiles are found by id, including third-party ones, without core changes (QBT-4.2)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

import pytest

from suyuan.domain.profiles import (
    AttachesTo,
    Comparator,
    Field,
    FieldType,
    InvalidProfile,
    ItemAttribute,
    ItemDataType,
    Profile,
    ProfileNotFound,
    PublicItem,
    QcLimit,
    RecordType,
    Source,
    SourceKind,
    get_profile,
    judge,
    list_profiles,
    register_profile,
    registry,
    unregister_profile,
    validate_record,
)
from suyuan.errors import NotFound

DAIRY = Profile(
    id="infant_formula",
    name="Infant formula",
    name_zh="婴幼儿配方乳粉",
    record_types=(
        RecordType(
            "F1.1",
            "milk_receipt",
            "F1",
            "Raw milk receipt",
            "生乳验收",
            (
                Field("tanker", "罐车", "tanker", required=True),
                Field("protein", "蛋白质", "protein", FieldType.QUANTITY, unit="g/kg", minimum=0),
            ),
            AttachesTo.LOT,
        ),
    ),
    public_items=(
        PublicItem(
            "F15.1",
            "产品名称",
            "product name",
            ItemAttribute.CATEGORY,
            ItemDataType.STRING,
            Source(SourceKind.PRODUCT, "name"),
        ),
    ),
    upload_items=(),
    qc_limits=(
        QcLimit(
            "protein",
            "protein",
            "蛋白质",
            "milk_receipt",
            "protein",
            Comparator.MIN,
            "GB 19301-2010",
            limit=Decimal("28"),
            unit="g/kg",
        ),
    ),
    process_steps=(),
    product_fields=(Field("name", "产品名称", "product name", required=True, public=True),),
)


@pytest.fixture(autouse=True)
def _clean_registry() -> Iterator[None]:
    yield
    unregister_profile(DAIRY.id)
    registry.reload_entry_points()


def test_builtin_profiles_are_listed_by_id() -> None:
    """QBT-4.2, MIIT-1: several industries on one core."""
    assert [p.id for p in list_profiles()][:3] == ["baijiu", "generic", "market_produce"]


def test_unknown_profile_raises_not_found() -> None:
    """STYLE: get_x raises NotFound."""
    with pytest.raises(ProfileNotFound) as caught:
        get_profile("vodka")
    assert isinstance(caught.value, NotFound)


def test_third_party_profile_registered_at_runtime_validates_and_judges() -> None:
    """QBT-4.2: a new industry is data, not a core change."""
    register_profile(DAIRY)
    profile = get_profile("infant_formula")
    record = validate_record(profile, "F1.1", {"tanker": "甘A-1", "protein": "29"})
    assert judge(profile, "any", record.fields, {}).passed
    assert not judge(profile, "any", {"protein": "27.9"}, {}).passed
    with pytest.raises(InvalidProfile):
        register_profile(DAIRY)
    register_profile(replace(DAIRY, name="Infant formula v2"), replace=True)
    assert get_profile("infant_formula").name == "Infant formula v2"


@dataclass
class _EntryPoint:
    name: str
    value: object

    def load(self) -> object:
        return self.value


def test_third_party_profile_is_discovered_from_entry_points(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """QBT-4.2: installing a package with a `suyuan.profiles` entry point adds a profile."""
    seen: list[str] = []

    def fake_entry_points(*, group: str) -> list[_EntryPoint]:
        seen.append(group)
        return [_EntryPoint("dairy", lambda: DAIRY)]

    monkeypatch.setattr(registry, "entry_points", fake_entry_points)
    registry.reload_entry_points()
    assert get_profile("infant_formula") is DAIRY
    assert seen == ["suyuan.profiles"]
    assert "infant_formula" in [p.id for p in list_profiles()]


def test_inconsistent_profile_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """QBT-4.2: a broken plug-in fails loudly, naming what is wrong."""
    broken = replace(
        DAIRY,
        public_items=(
            PublicItem(
                "F15.1",
                "x",
                "x",
                ItemAttribute.UNIT,
                ItemDataType.STRING,
                Source(SourceKind.PRODUCT, "colour"),
            ),
        ),
    )
    with pytest.raises(InvalidProfile, match=r"source 'product\.colour' not found"):
        register_profile(broken)
    monkeypatch.setattr(registry, "entry_points", lambda *, group: [_EntryPoint("x", 42)])
    registry.reload_entry_points()
    with pytest.raises(InvalidProfile, match="neither a Profile"):
        get_profile("baijiu")
