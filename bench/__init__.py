"""Sealing throughput benchmark: OpenSeal's PdfSealer next to pyHanko's standard use."""
