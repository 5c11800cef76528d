"""JSON-LD forms that mean the same thing, brought to the one form the schema expects.

In JSON-LD a single value and a one-element array are the same statement, and a CBV
URN, its Web URI and the bare word expand to the same IRI. GS1's own examples use
these variants (the "simple context" examples, event_with_identical_hash_id_7.json), so
capture accepts them and stores the canonical form; the event hash is unchanged.
"""

from __future__ import annotations

from typing import Any, Final

from suyuan.capture.cbv import Vocabulary, to_json_form

_LIST_FIELDS: Final = (
    "epcList",
    "childEPCs",
    "inputEPCList",
    "outputEPCList",
    "quantityList",
    "childQuantityList",
    "inputQuantityList",
    "outputQuantityList",
    "bizTransactionList",
    "sourceList",
    "destinationList",
    "sensorElementList",
)
_TERMS: Final = {"bizStep": Vocabulary.BIZ_STEP, "disposition": Vocabulary.DISPOSITION}
_PAIRS: Final = {
    "bizTransactionList": Vocabulary.BIZ_TRANSACTION_TYPE,
    "sourceList": Vocabulary.SOURCE_DESTINATION_TYPE,
    "destinationList": Vocabulary.SOURCE_DESTINATION_TYPE,
}


def _as_list(value: Any) -> Any:
    return value if isinstance(value, list) or value is None else [value]


def normalise_json_event(event: dict[str, Any]) -> dict[str, Any]:
    """Rewrite equivalent JSON-LD forms in place (and return the event)."""
    for name in _LIST_FIELDS:
        if name in event:
            event[name] = _as_list(event[name])
    for name, vocabulary in _TERMS.items():
        if isinstance(event.get(name), str):
            event[name] = to_json_form(vocabulary, event[name])
    for name, vocabulary in _PAIRS.items():
        for item in event.get(name) or ():
            if isinstance(item, dict) and isinstance(item.get("type"), str):
                item["type"] = to_json_form(vocabulary, item["type"])
    _normalise_persistent(event.get("persistentDisposition"))
    _normalise_declaration(event.get("errorDeclaration"))
    for element in event.get("sensorElementList") or ():
        if isinstance(element, dict):
            _normalise_sensor_element(element)
    return event


def _normalise_declaration(declaration: Any) -> None:
    if not isinstance(declaration, dict):
        return
    if isinstance(declaration.get("reason"), str):
        declaration["reason"] = to_json_form(Vocabulary.ERROR_REASON, declaration["reason"])
    if "correctiveEventIDs" in declaration:
        declaration["correctiveEventIDs"] = _as_list(declaration["correctiveEventIDs"])


def _normalise_persistent(persistent: Any) -> None:
    if not isinstance(persistent, dict):
        return
    for key in ("set", "unset"):
        if key in persistent:
            persistent[key] = [
                to_json_form(Vocabulary.DISPOSITION, v) if isinstance(v, str) else v
                for v in _as_list(persistent[key])
            ]


def _normalise_sensor_element(element: dict[str, Any]) -> None:
    # "type": "epcis:SensorElement" is an RDF class annotation of the simple context.
    if element.get("type") in ("epcis:SensorElement", "SensorElement"):
        del element["type"]
    if "sensorReport" in element:
        element["sensorReport"] = _as_list(element["sensorReport"])
    for report in element.get("sensorReport") or ():
        if isinstance(report, dict) and isinstance(report.get("type"), str):
            report["type"] = to_json_form(Vocabulary.MEASUREMENT_TYPE, report["type"])
