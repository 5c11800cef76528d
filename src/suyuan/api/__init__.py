"""The HTTP API: thin FastAPI routes over services and queries."""
