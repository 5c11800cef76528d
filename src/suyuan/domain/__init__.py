"""Pure domain code: no SQL, HTTP, environment, clock or I/O."""
