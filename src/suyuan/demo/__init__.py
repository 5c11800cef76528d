"""The demo: a realistic baijiu world built through the public services, same seed, same world."""
