"""Trace: backward (溯源), forward (追踪) and flow (流向), on the projections.

Every trace runs a fixed, small number of set-based statements whatever the size of the
chain (recursive CTEs for genealogy and packaging, lists bound as one parameter): the
counts are pinned in tests. Statements are built once per database. Nothing replays
event history except ``flow``, which reads only the packing and movement events of one
unit and its containers.

The traces live in ``trace_backward``, ``trace_forward`` and ``trace_flow``, what they
share in ``trace_core``; this module is where the rest of suyuan imports them from.
"""

from __future__ import annotations

from suyuan.queries.trace_backward import trace_back
from suyuan.queries.trace_core import (
    MAX_DEPTH,
    MAX_NESTING,
    MOVEMENT_STEPS,
    TraceNotFound,
    counted_edges,
    find_lot,
    resolve_unit_key,
    stage_name,
    withdrawn,
)
from suyuan.queries.trace_flow import trace_flow
from suyuan.queries.trace_forward import CONTAINER_LIMIT, trace_forward

__all__ = [
    "CONTAINER_LIMIT",
    "MAX_DEPTH",
    "MAX_NESTING",
    "MOVEMENT_STEPS",
    "TraceNotFound",
    "counted_edges",
    "find_lot",
    "resolve_unit_key",
    "stage_name",
    "trace_back",
    "trace_flow",
    "trace_forward",
    "withdrawn",
]
