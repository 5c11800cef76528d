"""CBV 2.0 standard vocabularies and the mapping between their XML and JSON forms.

The term lists are vendored from the enums of the official EPCIS 2.0 JSON schema
(``schemas/EPCIS-JSON-Schema.json``), which match ``CBV.ttl`` of the same release.
In the JSON/JSON-LD binding a standard value is a bare word (``shipping``); in XML it
is a URN (``urn:epcglobal:cbv:bizstep:shipping``), a GS1 Web URI
(``https://ref.gs1.org/cbv/BizStep-shipping``) or a CURIE (``gs1:Temperature``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Vocabulary(StrEnum):
    """A CBV standard vocabulary whose values are mapped between XML and JSON forms."""

    BIZ_STEP = "bizStep"
    DISPOSITION = "disposition"
    BIZ_TRANSACTION_TYPE = "bizTransactionType"
    SOURCE_DESTINATION_TYPE = "sourceDestinationType"
    ERROR_REASON = "errorReason"
    MEASUREMENT_TYPE = "measurementType"
    SENSOR_ALERT_TYPE = "sensorAlertType"
    COMPONENT = "component"


BIZ_STEPS: Final[frozenset[str]] = frozenset(
    {
        "accepting",
        "arriving",
        "assembling",
        "collecting",
        "commissioning",
        "consigning",
        "creating_class_instance",
        "cycle_counting",
        "decommissioning",
        "departing",
        "destroying",
        "disassembling",
        "dispensing",
        "encoding",
        "entering_exiting",
        "holding",
        "inspecting",
        "installing",
        "killing",
        "loading",
        "other",
        "packing",
        "picking",
        "receiving",
        "removing",
        "repackaging",
        "repairing",
        "replacing",
        "reserving",
        "retail_selling",
        "shipping",
        "staging_outbound",
        "stock_taking",
        "stocking",
        "storing",
        "transporting",
        "unloading",
        "unpacking",
        "void_shipping",
        "sensor_reporting",
        "sampling",
    }
)

DISPOSITIONS: Final[frozenset[str]] = frozenset(
    {
        "active",
        "container_closed",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        "in_progress",
        "in_transit",
        "inactive",
        "no_pedigree_match",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unknown",
        "available",
        "completeness_verified",
        "completeness_inferred",
        "conformant",
        "container_open",
        "mismatch_instance",
        "mismatch_class",
        "mismatch_quantity",
        "needs_replacement",
        "non_conformant",
        "unavailable",
    }
)

BIZ_TRANSACTION_TYPES: Final[frozenset[str]] = frozenset(
    {
        "bol",
        "cert",
        "desadv",
        "inv",
        "pedigree",
        "po",
        "poc",
        "prodorder",
        "recadv",
        "rma",
        "testprd",
        "testres",
        "upevt",
    }
)

SOURCE_DESTINATION_TYPES: Final[frozenset[str]] = frozenset(
    {
        "owning_party",
        "possessing_party",
        "location",
    }
)

ERROR_REASONS: Final[frozenset[str]] = frozenset(
    {
        "did_not_occur",
        "incorrect_data",
    }
)

MEASUREMENT_TYPES: Final[frozenset[str]] = frozenset(
    {
        "AbsoluteHumidity",
        "AbsorbedDose",
        "AbsorbedDoseRate",
        "Acceleration",
        "Radioactivity",
        "Altitude",
        "AmountOfSubstance",
        "AmountOfSubstancePerUnitVolume",
        "Angle",
        "AngularAcceleration",
        "AngularMomentum",
        "AngularVelocity",
        "Area",
        "Capacitance",
        "Conductance",
        "Conductivity",
        "Count",
        "Density",
        "Dimensionless",
        "DoseEquivalent",
        "DoseEquivalentRate",
        "DynamicViscosity",
        "ElectricCharge",
        "ElectricCurrent",
        "ElectricCurrentDensity",
        "ElectricFieldStrength",
        "Energy",
        "Exposure",
        "Force",
        "Frequency",
        "Illuminance",
        "Inductance",
        "Irradiance",
        "KinematicViscosity",
        "Length",
        "LinearMomentum",
        "Luminance",
        "LuminousFlux",
        "LuminousIntensity",
        "MagneticFlux",
        "MagneticFluxDensity",
        "MagneticVectorPotential",
        "Mass",
        "MassConcentration",
        "MassFlowRate",
        "MassPerAreaTime",
        "MemoryCapacity",
        "MolalityOfSolute",
        "MolarEnergy",
        "MolarMass",
        "MolarVolume",
        "Power",
        "Pressure",
        "RadiantFlux",
        "RadiantIntensity",
        "RelativeHumidity",
        "Resistance",
        "Resistivity",
        "SolidAngle",
        "SpecificVolume",
        "Speed",
        "SurfaceDensity",
        "SurfaceTension",
        "Temperature",
        "Time",
        "Torque",
        "Voltage",
        "Volume",
        "VolumeFlowRate",
        "VolumeFraction",
        "VolumetricFlux",
        "Wavenumber",
    }
)

SENSOR_ALERT_TYPES: Final[frozenset[str]] = frozenset(
    {
        "ALARM_CONDITION",
        "ERROR_CONDITION",
    }
)

COMPONENTS: Final[frozenset[str]] = frozenset(
    {
        "x",
        "y",
        "z",
        "axial_distance",
        "azimuth",
        "height",
        "spherical_radius",
        "polar_angle",
        "elevation_angle",
        "easting",
        "northing",
        "latitude",
        "longitude",
        "altitude",
    }
)


@dataclass(frozen=True, slots=True)
class _Forms:
    """How one vocabulary's terms are written in XML: the preferred prefix, then aliases."""

    xml_prefix: str
    read_prefixes: tuple[str, ...]
    terms: frozenset[str]
    label: str


_CBV_WEB = "https://ref.gs1.org/cbv/"
_GS1_WEB = "https://gs1.org/voc/"

_FORMS: Final[dict[Vocabulary, _Forms]] = {
    Vocabulary.BIZ_STEP: _Forms(
        "urn:epcglobal:cbv:bizstep:",
        ("urn:epcglobal:cbv:bizstep:", _CBV_WEB + "BizStep-", "cbv:BizStep-"),
        BIZ_STEPS,
        "CBV business step",
    ),
    Vocabulary.DISPOSITION: _Forms(
        "urn:epcglobal:cbv:disp:",
        ("urn:epcglobal:cbv:disp:", _CBV_WEB + "Disp-", "cbv:Disp-"),
        DISPOSITIONS,
        "CBV disposition",
    ),
    Vocabulary.BIZ_TRANSACTION_TYPE: _Forms(
        "urn:epcglobal:cbv:btt:",
        ("urn:epcglobal:cbv:btt:", _CBV_WEB + "BTT-", "cbv:BTT-"),
        BIZ_TRANSACTION_TYPES,
        "CBV business transaction type",
    ),
    Vocabulary.SOURCE_DESTINATION_TYPE: _Forms(
        "urn:epcglobal:cbv:sdt:",
        ("urn:epcglobal:cbv:sdt:", _CBV_WEB + "SDT-", "cbv:SDT-"),
        SOURCE_DESTINATION_TYPES,
        "CBV source/destination type",
    ),
    Vocabulary.ERROR_REASON: _Forms(
        "urn:epcglobal:cbv:er:",
        ("urn:epcglobal:cbv:er:", _CBV_WEB + "ER-", "cbv:ER-"),
        ERROR_REASONS,
        "CBV error reason",
    ),
    Vocabulary.MEASUREMENT_TYPE: _Forms(
        "gs1:",
        ("gs1:MeasurementType-", _GS1_WEB + "MeasurementType-", "gs1:", _GS1_WEB),
        MEASUREMENT_TYPES,
        "GS1 measurement type",
    ),
    Vocabulary.SENSOR_ALERT_TYPE: _Forms(
        "gs1:",
        ("gs1:SensorAlertType-", _GS1_WEB + "SensorAlertType-", "gs1:", _GS1_WEB),
        SENSOR_ALERT_TYPES,
        "GS1 sensor alert type",
    ),
    Vocabulary.COMPONENT: _Forms(
        "cbv:Comp-",
        ("cbv:Comp-", _CBV_WEB + "Comp-", "urn:epcglobal:cbv:comp:"),
        COMPONENTS,
        "CBV component",
    ),
}


def to_json_form(vocabulary: Vocabulary, value: str) -> str:
    """Map an XML-form standard value (URN, Web URI or CURIE) to its bare JSON word.

    Values that are not in a CBV/GS1 form (user URIs) are returned unchanged. An
    unknown word in CBV form (``urn:epcglobal:cbv:bizstep:shiping``) is still mapped
    to the bare word, so that validation reports it as an unknown CBV term.
    """
    for prefix in _FORMS[vocabulary].read_prefixes:
        if value.startswith(prefix):
            word = value[len(prefix) :]
            if word and ":" not in word and "/" not in word:
                return word
    return value


def to_xml_form(vocabulary: Vocabulary, value: str) -> str:
    """Map a bare JSON word to the XML form; URIs and CURIEs are returned unchanged."""
    if is_bare_word(value):
        return _FORMS[vocabulary].xml_prefix + value
    return value


def is_bare_word(value: str) -> bool:
    """Tell whether a value is a bare word (no scheme), i.e. claims to be a standard term."""
    return ":" not in value


def is_known_term(vocabulary: Vocabulary, word: str) -> bool:
    """Tell whether a bare word is a term of the vocabulary."""
    return word in _FORMS[vocabulary].terms


def looks_like_cbv_uri(vocabulary: Vocabulary, value: str) -> bool:
    """Tell whether a value is written in a CBV/GS1 URI form that JSON must not use."""
    return any(value.startswith(p) for p in _FORMS[vocabulary].read_prefixes)


def describe(vocabulary: Vocabulary) -> str:
    """Return the human label of a vocabulary, e.g. 'CBV business step'."""
    return _FORMS[vocabulary].label
