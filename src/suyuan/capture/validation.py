"""Validate canonical events: the official EPCIS 2.0 JSON schema, CBV terms, semantic rules.

One rule set serves JSON and XML input, because XML events are validated after they
are converted to the canonical (JSON binding) form. The schema is the vendored
``schemas/EPCIS-JSON-Schema.json``, compiled once, with its event definition used as
the root so that each event is checked on its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from typing import Any, Final

import jsonschema_rs

from suyuan.capture import cbv
from suyuan.capture.cbv import Vocabulary
from suyuan.capture.model import EVENT_TYPES, Event, EventError, ParsedEvent, SourceFormat

_ACTIONS: Final = ("ADD", "OBSERVE", "DELETE")
_NEEDS_ACTION: Final = frozenset(
    {"ObjectEvent", "AggregationEvent", "TransactionEvent", "AssociationEvent"}
)


@cache
def _validator() -> Any:
    """Compile the event schema once (the document schema rooted at its event definition)."""
    text = resources.files("suyuan.capture").joinpath("schemas/EPCIS-JSON-Schema.json")
    document = json.loads(text.read_text(encoding="utf-8"))
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": document["definitions"],
        "$ref": "#/definitions/EPCIS-Document-Event",
    }
    return jsonschema_rs.Draft7Validator(schema, validate_formats=False)


def validate_event(parsed: ParsedEvent) -> list[EventError]:
    """Return every rule the event breaks (empty when it is valid)."""
    report = _Report(
        parsed.index, parsed.location, from_json=parsed.source_format is SourceFormat.JSONLD
    )
    event = parsed.event
    _check_semantics(event, report)
    _check_vocabularies(event, report)
    _check_schema(event, report)
    return report.errors


def validate_events(events: Iterable[ParsedEvent]) -> Iterator[EventError]:
    """Validate a stream of events, yielding their errors in order."""
    for parsed in events:
        yield from validate_event(parsed)


class _Report:
    """Collects errors for one event, one per field and rule."""

    def __init__(self, index: int, location: str, *, from_json: bool = True) -> None:
        self.index = index
        self.location = location
        self.from_json = from_json
        self.errors: list[EventError] = []
        self._fields: set[str] = set()

    def add(self, field: str, rule: str, text: str) -> None:
        if field in self._fields and rule == "schema":
            return
        self._fields.add(field)
        message = f"event {self.index} ({self.location}): {text}"
        self.errors.append(EventError(self.index, self.location, field, rule, message))


def _check_semantics(event: Event, report: _Report) -> None:
    kind = event.get("type")
    if not isinstance(kind, str) or not kind:
        report.add("type", "required", "type is required")
        return
    for name in ("eventTime", "eventTimeZoneOffset"):
        if name not in event:
            report.add(name, "required", f"{name} is required")
    if kind not in EVENT_TYPES:
        if ":" not in kind:
            report.add("type", "event_type", f"type {kind!r} is not an EPCIS event type")
        return
    action = event.get("action")
    if kind in _NEEDS_ACTION:
        if action is None:
            report.add("action", "required", f"action is required in a {kind}")
        elif action not in _ACTIONS:
            report.add("action", "action", f"action {action!r} is not ADD, OBSERVE or DELETE")
    needs_parent = kind in ("AggregationEvent", "AssociationEvent")
    if needs_parent and action in ("ADD", "DELETE") and not event.get("parentID"):
        report.add("parentID", "required", f"parentID is required in a {kind} {action}")
    if kind == "TransactionEvent" and not event.get("bizTransactionList"):
        report.add(
            "bizTransactionList", "required", "bizTransactionList is required in a TransactionEvent"
        )
    if kind == "TransformationEvent" and not any(
        event.get(k)
        for k in ("inputEPCList", "inputQuantityList", "outputEPCList", "outputQuantityList")
    ):
        report.add(
            "inputEPCList",
            "required",
            "a TransformationEvent needs at least one input or output (EPCs or quantities)",
        )


def _check_term(report: _Report, field: str, vocabulary: Vocabulary, value: Any) -> None:
    if not isinstance(value, str):
        return
    label = cbv.describe(vocabulary)
    if cbv.is_bare_word(value):
        if not cbv.is_known_term(vocabulary, value):
            report.add(field, "cbv", f"{field} {value!r} is not a {label}")
    elif cbv.looks_like_cbv_uri(vocabulary, value) and vocabulary in _JSON_BARE_ONLY:
        word = cbv.to_json_form(vocabulary, value)
        report.add(
            field,
            "cbv_form",
            f"{field} {value!r} must be written as the bare CBV word {word!r} in JSON",
        )


_JSON_BARE_ONLY: Final = frozenset(
    {
        Vocabulary.BIZ_STEP,
        Vocabulary.DISPOSITION,
        Vocabulary.BIZ_TRANSACTION_TYPE,
        Vocabulary.SOURCE_DESTINATION_TYPE,
        Vocabulary.ERROR_REASON,
    }
)


def _check_vocabularies(event: Event, report: _Report) -> None:
    _check_term(report, "bizStep", Vocabulary.BIZ_STEP, event.get("bizStep"))
    _check_term(report, "disposition", Vocabulary.DISPOSITION, event.get("disposition"))
    for i, item in enumerate(_dicts(event.get("bizTransactionList"))):
        field = f"bizTransactionList/{i}/type"
        _check_term(report, field, Vocabulary.BIZ_TRANSACTION_TYPE, item.get("type"))
    for name in ("sourceList", "destinationList"):
        for i, item in enumerate(_dicts(event.get(name))):
            field = f"{name}/{i}/type"
            _check_term(report, field, Vocabulary.SOURCE_DESTINATION_TYPE, item.get("type"))
    persistent = event.get("persistentDisposition")
    if isinstance(persistent, dict):
        for key in ("set", "unset"):
            values = persistent.get(key)
            for i, word in enumerate(values if isinstance(values, list) else []):
                field = f"persistentDisposition/{key}/{i}"
                _check_term(report, field, Vocabulary.DISPOSITION, word)
    declaration = event.get("errorDeclaration")
    if isinstance(declaration, dict):
        reason = declaration.get("reason")
        _check_term(report, "errorDeclaration/reason", Vocabulary.ERROR_REASON, reason)
    for i, element in enumerate(_dicts(event.get("sensorElementList"))):
        for j, sensor in enumerate(_dicts(element.get("sensorReport"))):
            base = f"sensorElementList/{i}/sensorReport/{j}"
            if report.from_json:
                # XML types sensor types as anyURI, and GS1's own XML examples use
                # gs1: measurement types newer than the CBV 2.0 list; JSON is bound
                # to the list by the schema, so only JSON input is held to it.
                _check_term(report, base + "/type", Vocabulary.MEASUREMENT_TYPE, sensor.get("type"))
            alert = sensor.get("exception")
            _check_term(report, base + "/exception", Vocabulary.SENSOR_ALERT_TYPE, alert)


def _dicts(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def _check_schema(event: Event, report: _Report) -> None:
    if event.get("ilmd") is not None and event.get("action") == "OBSERVE":
        # The schema allows ilmd on ADD events only; GS1's simple-context example of
        # "all possible fields" carries it on OBSERVE. Tolerated: ilmd is still kept.
        event = {**event, "action": "ADD"}
    errors = sorted(_validator().iter_errors(event), key=lambda e: list(e.instance_path))
    for error in errors:
        path = "/".join(str(p) for p in error.instance_path)
        if not report.from_json and _xsd_allows(path, error.message):
            continue
        field = path or _missing_field(error.message) or "event"
        text = error.message if len(error.message) < 200 else error.message[:197] + "..."
        report.add(field, "schema", f"{field}: {text}")


def _xsd_allows(path: str, message: str) -> bool:
    # The XSD makes a sensor report's type optional (GS1's XML examples omit it);
    # the JSON schema requires it. XML input is held to the XSD's rule.
    return "sensorReport" in path and message == '"type" is a required property'


def _missing_field(message: str) -> str | None:
    if message.endswith("is a required property"):
        return message.split('"')[1] if '"' in message else None
    return None
