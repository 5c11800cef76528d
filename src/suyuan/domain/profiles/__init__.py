"""Industry profiles: what an industry declares so that the core stays industry-agnostic.

Use ``get_profile(id)`` to look one up, ``validate_record`` to check a record against it,
``judge`` to compute a QC verdict and ``record_to_epcis``/``record_from_epcis`` to carry a
record inside an EPCIS event.
"""

from suyuan.domain.profiles.epcis import (
    NAMESPACE,
    PREFIX,
    Carriage,
    carriage_for,
    record_from_epcis,
    record_to_epcis,
)
from suyuan.domain.profiles.errors import (
    FieldError,
    InvalidProfile,
    InvalidRecord,
    ProfileNotFound,
    UnknownCategory,
    UnknownRecordType,
)
from suyuan.domain.profiles.integrity import check_profile
from suyuan.domain.profiles.model import (
    AttachesTo,
    Comparator,
    Field,
    FieldType,
    ItemAttribute,
    ItemDataType,
    ProcessStep,
    Profile,
    PublicItem,
    QcLimit,
    RecordType,
    RequiredWhen,
    Source,
    SourceKind,
    UploadItem,
)
from suyuan.domain.profiles.qc import QcFailure, Verdict, judge
from suyuan.domain.profiles.registry import (
    ENTRY_POINT_GROUP,
    find_profile,
    get_profile,
    list_profiles,
    register_profile,
    unregister_profile,
)
from suyuan.domain.profiles.validation import ValidatedRecord, validate_record

__all__ = [
    "ENTRY_POINT_GROUP",
    "NAMESPACE",
    "PREFIX",
    "AttachesTo",
    "Carriage",
    "Comparator",
    "Field",
    "FieldError",
    "FieldType",
    "InvalidProfile",
    "InvalidRecord",
    "ItemAttribute",
    "ItemDataType",
    "ProcessStep",
    "Profile",
    "ProfileNotFound",
    "PublicItem",
    "QcFailure",
    "QcLimit",
    "RecordType",
    "RequiredWhen",
    "Source",
    "SourceKind",
    "UnknownCategory",
    "UnknownRecordType",
    "UploadItem",
    "ValidatedRecord",
    "Verdict",
    "carriage_for",
    "check_profile",
    "find_profile",
    "get_profile",
    "judge",
    "list_profiles",
    "record_from_epcis",
    "record_to_epcis",
    "register_profile",
    "unregister_profile",
    "validate_record",
]
