"""China's own algorithms (国密): SM2 signatures and SM3 digests."""
