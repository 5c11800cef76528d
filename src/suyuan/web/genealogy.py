"""Lay out a lot genealogy as a left-to-right graph for an SVG drawing (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

COLUMN = 230
ROW = 74
BOX_W = 190
BOX_H = 54
MARGIN = 12


@dataclass(frozen=True, slots=True)
class Node:
    """One lot box: where it is drawn and what it says."""

    id: str
    anchor: str
    x: int
    y: int
    stage: str
    label: str
    product: str
    records: int


@dataclass(frozen=True, slots=True)
class Edge:
    """An arrow from an input lot to the lot made from it."""

    x1: int
    y1: int
    x2: int
    y2: int


@dataclass(frozen=True, slots=True)
class Layout:
    """Nodes, edges and the drawing size."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    width: int
    height: int


def lay_out(lots: Sequence[dict[str, Any]]) -> Layout:
    """Raw materials on the left, the batch on the right; one column per depth."""
    if not lots:
        return Layout((), (), 0, 0)
    deepest = max(int(lot["depth"]) for lot in lots)
    rows: dict[int, int] = {}
    placed: dict[str, Node] = {}
    for n, lot in enumerate(sorted(lots, key=lambda lot: (-int(lot["depth"]), lot["id"]))):
        column = deepest - int(lot["depth"])
        row = rows.get(column, 0)
        rows[column] = row + 1
        placed[lot["id"]] = Node(
            id=lot["id"],
            anchor=f"lot-{n}",
            x=MARGIN + column * COLUMN,
            y=MARGIN + row * ROW,
            stage=str(lot.get("stage") or ""),
            label=str(lot.get("lot") or lot["id"]),
            product=str(lot.get("product") or ""),
            records=len(lot.get("records") or ()),
        )
    edges = [
        Edge(source.x + BOX_W, source.y + BOX_H // 2, target.x, target.y + BOX_H // 2)
        for lot in lots
        for key in lot.get("inputs") or ()
        if (source := placed.get(key)) and (target := placed.get(lot["id"]))
    ]
    width = MARGIN * 2 + (deepest + 1) * COLUMN
    height = MARGIN * 2 + max(rows.values()) * ROW
    return Layout(tuple(placed.values()), tuple(edges), width, height)
