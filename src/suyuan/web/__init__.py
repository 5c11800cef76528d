"""Web pages: the consumer resolver pages and the enterprise console."""
