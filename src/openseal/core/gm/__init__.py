"""China's own algorithms (国密): SM2 signatures and SM3 digests.

Importing this package registers the SM object identifiers with asn1crypto (``oids``).
"""

from openseal.core.gm import oids

oids.register()
