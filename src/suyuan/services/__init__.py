"""Use cases: one module per aggregate, one transaction per call."""
