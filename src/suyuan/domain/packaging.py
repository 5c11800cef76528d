"""Packaging levels of a product: bottle → case → pallet, with conversion ratios."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from suyuan.errors import InvalidIdentifier, InvalidInput
from suyuan.identifiers.gs1 import Gtin


class Level(StrEnum):
    """Packaging level of a coded thing; stored values never change."""

    ITEM = "item"
    CAP = "cap"
    CASE = "case"
    PALLET = "pallet"


@dataclass(frozen=True, slots=True)
class PackagingLevel:
    """One level above the item: how many of the level below it holds, and how it is coded."""

    level: Level
    contains: int
    gtin: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"level": self.level.value, "contains": self.contains, "gtin": self.gtin}


def parse_packaging(items: Sequence[Mapping[str, Any]] | str) -> tuple[PackagingLevel, ...]:
    """Parse ``case:6,pallet:50`` or a list of dicts into ordered packaging levels.

    A level may name its own GTIN (``case:6:16901234567899``); otherwise it is coded
    with SSCCs. Each ratio must be a positive integer (QBT-T11.3 packaging ratio).
    """
    if isinstance(items, str):
        parsed: list[dict[str, Any]] = []
        for part in filter(None, (p.strip() for p in items.split(","))):
            fields = part.split(":")
            if len(fields) not in (2, 3):
                raise InvalidInput(f"packaging {part!r}: expected LEVEL:COUNT[:GTIN]")
            parsed.append(
                {
                    "level": fields[0],
                    "contains": fields[1],
                    "gtin": fields[2] if len(fields) == 3 else None,
                }
            )
        items = parsed
    levels: list[PackagingLevel] = []
    for item in items:
        name = str(item.get("level", "")).strip().lower()
        if name not in (Level.CASE, Level.PALLET):
            raise InvalidInput(f"packaging level {name!r}: must be case or pallet")
        raw = str(item.get("contains", "")).strip()
        if not raw.isdigit() or int(raw) <= 0:
            raise InvalidInput(f"packaging {name} ratio {raw!r}: must be a positive integer")
        gtin = item.get("gtin")
        if gtin:
            try:
                gtin = Gtin.parse(str(gtin)).value
            except InvalidIdentifier as exc:
                raise InvalidInput(f"packaging {name} GTIN: {exc}") from exc
        levels.append(PackagingLevel(Level(name), int(raw), gtin or None))
    if [lv.level for lv in levels] not in (
        [],
        [Level.CASE],
        [Level.PALLET],
        [Level.CASE, Level.PALLET],
    ):
        raise InvalidInput("packaging levels must be ordered case, then pallet")
    return tuple(levels)
