"""Printer files of issued blocks, written on demand (the codes are derived, not stored)."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from suyuan.bootstrap import Runtime
from suyuan.codes.printer_files import PrinterFormat, write_printer_file
from suyuan.codes.sscc import iter_ssccs
from suyuan.domain.access import Actor
from suyuan.errors import InvalidInput
from suyuan.services.codes import IssuedBlock, tenant_keyring
from suyuan.services.enterprises import get_enterprise

Progress = Callable[[int, int], None]


def write_block_file(
    runtime: Runtime,
    block: IssuedBlock,
    out: BinaryIO,
    fmt: PrinterFormat,
    *,
    progress: Progress | None = None,
) -> int:
    """Stream a block's printer file to ``out``; returns the number of codes written."""
    with runtime.uow(write=False) as uow:
        enterprise = get_enterprise(uow, Actor.system(), block.tenant_id)
    if block.scheme == "sscc":
        return _write_sscc_file(
            block, out, enterprise.gs1_company_prefix or "", fmt, runtime.settings.resolver_url
        )
    keyring = tenant_keyring(runtime.settings.key_dir, block.tenant_id)
    if keyring is None:
        raise InvalidInput(
            f"no code key ring for enterprise {enterprise.slug} in {runtime.settings.key_dir}"
        )
    prefix = enterprise.idis_prefix
    if fmt is PrinterFormat.IDIS and not prefix:
        raise InvalidInput(f"enterprise {enterprise.slug} has no IDIS prefix: use --format url")
    return write_printer_file(
        out,
        keyring,
        block.serial_block(),
        fmt=fmt,
        idis_prefix=prefix,
        resolver_base_url=runtime.settings.resolver_url,
        progress=progress,
    )


def _write_sscc_file(
    block: IssuedBlock, out: BinaryIO, prefix: str, fmt: PrinterFormat, base_url: str
) -> int:
    extension = int(block.domain.rsplit(":", 1)[1])
    if fmt is PrinterFormat.CSV:
        out.write(b"seq,sscc,url,element_string\n")
    written = 0
    for n, sscc in enumerate(
        iter_ssccs(prefix, extension_digit=extension, start=block.start_counter, count=block.count),
        1,
    ):
        url = f"{base_url.rstrip('/')}/00/{sscc.value}"
        line = {
            PrinterFormat.CSV: f"{n},{sscc.value},{url},(00){sscc.value}",
            PrinterFormat.URL: url,
            PrinterFormat.ELEMENT: f"(00){sscc.value}",
        }.get(fmt, sscc.value)
        out.write(line.encode() + b"\n")
        written += 1
    return written
