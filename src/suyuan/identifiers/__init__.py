"""Pure identifier code: GS1 keys, element strings, Digital Link, EPC URNs, IDIS codes."""
