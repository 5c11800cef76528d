"""suyuan (溯源): product quality traceability — unforgeable codes, EPCIS events, trace, recall."""

__version__ = "0.1.0"
