"""The registry of issued documents: every sealed output, by SHA-256."""
