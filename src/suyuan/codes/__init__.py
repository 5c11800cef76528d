"""Issuing and verifying unit codes offline, printer files and labels (pure: no database).

The service layer reserves counter blocks (one row per block) and calls these functions;
see ``serials`` for the serial layout and ``keys`` for the key scheme.
"""

from suyuan.codes.keys import KeyRing, KeyRingFull, UnknownKeyId
from suyuan.codes.keystore import create_keyring, load_keyring, rotate, save_keyring
from suyuan.codes.printer_files import PrinterFormat, write_printer_file
from suyuan.codes.serials import (
    CodeBlock,
    CodeLevel,
    issue_serial,
    issue_serial_chunks,
    issue_serials,
    normalize_serial,
)
from suyuan.codes.sscc import make_sscc, split_sscc
from suyuan.codes.verification import (
    BatchVerifyResult,
    VerifyReason,
    VerifyResult,
    verify_serial,
    verify_serial_any_level,
    verify_serials,
)

__all__ = [
    "BatchVerifyResult",
    "CodeBlock",
    "CodeLevel",
    "KeyRing",
    "KeyRingFull",
    "PrinterFormat",
    "UnknownKeyId",
    "VerifyReason",
    "VerifyResult",
    "create_keyring",
    "issue_serial",
    "issue_serial_chunks",
    "issue_serials",
    "load_keyring",
    "make_sscc",
    "normalize_serial",
    "rotate",
    "save_keyring",
    "split_sscc",
    "verify_serial",
    "verify_serial_any_level",
    "verify_serials",
    "write_printer_file",
]
