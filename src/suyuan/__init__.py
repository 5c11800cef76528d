"""suyuan (溯源): product quality traceability — one unforgeable code per unit, EPCIS events, trace and recall."""

__version__ = "0.1.0"
