"""OFD (GB/T 33190) documents and their GB/T 38540 electronic seals and signatures."""
