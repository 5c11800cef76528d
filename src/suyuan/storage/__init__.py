"""Storage: the schema, engines, migrations and the unit of work (all SQL lives here)."""
