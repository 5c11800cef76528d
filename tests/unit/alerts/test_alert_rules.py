"""Each built-in alert rule fires on its scenario and stays quiet on normal data (GEN-12..15)."""

from __future__ import annotations

from datetime import date

import pytest

from suyuan.domain import alert_rules as rules
from suyuan.domain.alert_rules import AlertRule, Range, Severity
from suyuan.domain.alert_settings import apply_changes, parse_assignments, settings_from
from suyuan.domain.regions import province_of, same_province
from suyuan.errors import InvalidInput

STORAGE = Range(5, 25)
HUMID = Range(20, 80)


def _sensor_event(*reports: dict[str, object]) -> dict[str, object]:
    return {
        "type": "ObjectEvent",
        "eventID": "ni:///sha-256;abc",
        "eventTime": "2026-01-05T08:00:00+08:00",
        "bizLocation": {"id": "urn:epc:id:sgln:6901234.00000.cellar"},
        "sensorElementList": [{"sensorReport": list(reports)}],
    }


def test_temperature_outside_limits_fires_with_readings_and_limits_gen_13() -> None:
    event = _sensor_event({"type": "Temperature", "value": 31.5, "uom": "CEL"})
    found = rules.sensor_findings(event, subject="/00/1", temperature=STORAGE, humidity=HUMID)
    assert [f.rule for f in found] == [AlertRule.TEMPERATURE]
    assert found[0].severity is Severity.CRITICAL
    assert found[0].evidence["limits"] == {"low": 5, "high": 25, "uom": "CEL"}
    assert found[0].evidence["readings"][0]["value"] == 31.5


def test_fahrenheit_min_max_and_humidity_are_judged_gen_13() -> None:
    event = _sensor_event(
        {"type": "gs1:Temperature", "minValue": 35.0, "maxValue": 70.0, "uom": "FAH"},
        {"type": "RelativeHumidity", "value": "91", "uom": "P1"},
    )
    found = rules.sensor_findings(event, subject=None, temperature=STORAGE, humidity=HUMID)
    assert {f.rule for f in found} == {AlertRule.TEMPERATURE, AlertRule.HUMIDITY}


def test_readings_inside_limits_and_other_measurements_stay_quiet_gen_13() -> None:
    event = _sensor_event(
        {"type": "Temperature", "minValue": 12, "maxValue": 18, "uom": "CEL"},
        {"type": "RelativeHumidity", "value": 55, "uom": "P1"},
        {"type": "Mass", "value": 900, "uom": "KGM"},
        {"type": "Temperature", "uom": "CEL"},
    )
    assert rules.sensor_findings(event, subject=None, temperature=STORAGE, humidity=HUMID) == []
    assert rules.sensor_findings({"type": "ObjectEvent"}, subject=None, temperature=STORAGE,
                                 humidity=HUMID) == []  # fmt: skip


def test_kelvin_and_single_sensor_element_object() -> None:
    event = {"sensorElementList": {"sensorReport": {"type": "Temperature", "value": 273.15,
                                                    "uom": "KEL"}}}  # fmt: skip
    found = rules.sensor_findings(event, subject=None, temperature=STORAGE, humidity=HUMID)
    assert found[0].evidence["observed"]["low"] == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("left", "rule"),
    [(-1, AlertRule.EXPIRED), (0, AlertRule.EXPIRY_NEAR), (30, AlertRule.EXPIRY_NEAR), (31, None)],
)
def test_expiry_fires_near_and_past_and_stays_quiet_far_off_gen_14(
    left: int, rule: AlertRule | None
) -> None:
    today = date(2026, 3, 1)
    expires = date.fromordinal(today.toordinal() + left)
    found = rules.expiry_finding(lot="/01/x/10/L1", expires=expires, today=today, warning_days=30,
                                 evidence={})  # fmt: skip
    assert (found.rule if found else None) == rule


def test_expiry_dates_come_from_ilmd_or_shelf_life_gen_14() -> None:
    assert rules.expiry_date({"cbvmda:itemExpirationDate": "2026-05-01"}) == date(2026, 5, 1)
    assert rules.expiry_date({"cbvmda:bestBeforeDate": "2026-05-02T00:00:00Z"}) == date(2026, 5, 2)
    assert rules.expiry_date({"cbvmda:lotNumber": "L1"}) is None
    assert rules.production_date({"sy:record": {"production_date": "2026-01-02"}}) == date(
        2026, 1, 2
    )
    assert rules.production_date({"cbvmda:productionDate": "bad"}) is None
    assert rules.shelf_life_days("36个月") == 1080
    assert rules.shelf_life_days("3年") == 1095
    assert rules.shelf_life_days("P18M") == 540
    assert rules.shelf_life_days("720") == 720
    assert rules.shelf_life_days(90) == 90
    assert rules.shelf_life_days("长期") is None
    assert rules.shelf_life_days(None) is None
    assert rules.expires_on(date(2026, 1, 1), 31) == date(2026, 2, 1)


def test_copied_label_fires_over_n_checks_or_k_cities_gen_15() -> None:
    many = rules.copied_label_findings(key="k", total_checks=11, recent_places=["成都"],
                                       max_checks=10, max_cities=3, window_hours=24)  # fmt: skip
    assert [f.rule for f in many] == [AlertRule.SCAN_COUNT]
    spread = rules.copied_label_findings(
        key="k", total_checks=4, recent_places=["成都", "北京", "上海", "广州", "unknown"],
        max_checks=10, max_cities=3, window_hours=24,
    )  # fmt: skip
    assert [f.rule for f in spread] == [AlertRule.SCAN_CITIES]
    assert spread[0].evidence["cities"] == sorted(["成都", "北京", "上海", "广州"])


def test_copied_label_stays_quiet_on_normal_checks_gen_15() -> None:
    assert rules.copied_label_findings(
        key="k", total_checks=10, recent_places=["成都", "成都", "宜宾", "unknown", ""],
        max_checks=10, max_cities=3, window_hours=24,
    ) == []  # fmt: skip


@pytest.mark.parametrize(
    ("verdict", "reason", "rule"),
    [
        ("forged", "bad_tag", AlertRule.FORGED_CODE),
        ("unknown", "not_found", AlertRule.UNKNOWN_CODE),
        ("unknown", "never_commissioned", AlertRule.NOT_COMMISSIONED),
        ("voided", "destroyed", AlertRule.VOIDED_SCAN),
        ("genuine", "genuine", None),
        ("recalled", "recalled", None),
    ],
)
def test_bad_codes_fire_and_genuine_ones_stay_quiet_qbt_6_8(
    verdict: str, reason: str, rule: AlertRule | None
) -> None:
    found = rules.scan_verdict_finding(verdict=verdict, reason=reason, subject="k", evidence={})
    assert (found.rule if found else None) == rule


def test_channel_diversion_fires_outside_the_distributors_province_gen_15() -> None:
    found = rules.diversion_finding(key="k", place="北京", region="四川省成都市", evidence={})
    assert found is not None
    assert found.evidence["place_province"] == "北京"
    assert found.evidence["region_province"] == "四川"


@pytest.mark.parametrize(("place", "region"), [("宜宾", "四川省成都市"), ("火星", "四川省"),
                                              ("北京", None), (None, "四川省")])  # fmt: skip
def test_channel_diversion_stays_quiet_inside_or_when_unknown(
    place: str | None, region: str | None
) -> None:
    assert rules.diversion_finding(key="k", place=place, region=region, evidence={}) is None


def test_provinces_of_regions_cities_and_pinyin() -> None:
    assert province_of("四川省成都市") == "四川"
    assert province_of("成都市") == "四川"
    assert province_of("Chengdu") == "四川"
    assert province_of("内蒙古自治区包头市") == "内蒙古"
    assert province_of("") is None
    assert same_province("贵州省遵义市", "仁怀") is True
    assert same_province("贵州省", "Beijing") is False
    assert same_province("贵州省", "nowhere") is None


def test_movement_and_commissioning_are_recognised() -> None:
    assert rules.movement_of({"bizStep": "shipping"}) == "shipping"
    assert rules.movement_of({"disposition": "retail_sold"}) == "selling"
    assert rules.movement_of({"bizStep": "receiving"}) is None
    assert rules.is_commissioning({"type": "ObjectEvent", "action": "ADD"})
    assert rules.is_commissioning({"type": "TransformationEvent", "bizStep": "commissioning"})
    assert not rules.is_commissioning({"type": "ObjectEvent", "action": "OBSERVE"})


@pytest.mark.parametrize(
    ("lot_status", "recalled", "rule"),
    [("hold", False, AlertRule.HELD_SHIPPED), ("active", True, AlertRule.RECALLED_SHIPPED),
     ("recalled", False, AlertRule.RECALLED_SHIPPED), ("active", False, None), (None, False, None)],
)  # fmt: skip
def test_held_or_recalled_goods_moving_fire_gen_17(
    lot_status: str | None, recalled: bool, rule: AlertRule | None
) -> None:
    found = rules.blocked_movement_finding(
        key="k", movement="shipping", lot_status=lot_status, recalled=recalled, evidence={}
    )
    assert (found.rule if found else None) == rule


def test_commissioned_twice_fires_only_with_an_earlier_commissioning_gen_15() -> None:
    assert rules.commissioned_twice_finding(key="k", earlier=[], evidence={}) is None
    found = rules.commissioned_twice_finding(key="k", earlier=[{"event_id": "e1"}], evidence={})
    assert found is not None
    assert found.rule is AlertRule.COMMISSIONED_TWICE


def test_settings_defaults_overrides_and_scoped_limits_gen_12() -> None:
    defaults = settings_from({})
    assert defaults.scan_count_max == 10
    assert defaults.scan_cities_max == 3
    assert defaults.scan_window_hours == 24
    assert defaults.region_check
    stored = apply_changes(
        {},
        parse_assignments([
            "temperature=2..8", "humidity=30,70", "scan_count_max=20", "region_check=off",
            "recipients=1,2", "disabled=expiry_near", "temperature_location:urn:x=0..4",
            "temperature_category:baijiu=10..30",
        ]),
    )  # fmt: skip
    settings = settings_from(stored)
    assert settings.temperature == Range(2, 8)
    assert settings.humidity == Range(30, 70)
    assert settings.scan_count_max == 20
    assert not settings.region_check
    assert settings.recipients == (1, 2)
    assert not settings.is_enabled(AlertRule.EXPIRY_NEAR)
    assert settings.temperature_for(location="urn:x", category="baijiu") == Range(0, 4)
    assert settings.temperature_for(location=None, category="baijiu") == Range(10, 30)
    assert settings.temperature_for(location="other", category=None) == Range(2, 8)
    removed = apply_changes(stored, {"temperature_location:urn:x": ""})
    assert settings_from(removed).temperature_by_location == {}
    assert settings.to_dict()["temperature_category"] == {"baijiu": [10.0, 30.0]}


@pytest.mark.parametrize(
    "pair",
    ["temperature=9..1", "temperature=hot", "scan_count_max=-1", "scan_count_max=x",
     "region_check=maybe", "disabled=no_such_rule", "colour=red", "novalue", "=1"],
)  # fmt: skip
def test_bad_settings_are_refused(pair: str) -> None:
    with pytest.raises(InvalidInput):
        apply_changes({}, parse_assignments([pair]))
