"""The signer's issuing certificates inside an OFD seal: an OpenSeal ExtData of TBS_Sign.

GB/T 38540's SES_Signature carries the signer's certificate and the seal (with the seal
maker's certificate), but not the CA certificates between the signer and a root. OpenSeal's
seal certificates are issued by the organisation's SM2 CA under the SM2 root, so a verifier
holding only the root (``openseal ca export --sm2``) could not build the path. OpenSeal
therefore writes those issuers, nearest first and without the root, as one ExtData:

- extnID ``ISSUERS_OID`` (under 2.25, ITU-T X.667: made from a UUID), critical FALSE;
- extnValue: DER ``SEQUENCE OF Certificate``.

The certificates are only candidates for path building (``sm2_chain``): trust still comes
from the verifier's own roots. Other verifiers ignore the extension.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from openseal.core.ofd import ses_der as d

ISSUERS_OID = "2.25.304929723379775890094069660397994909070"


def issuers_ext_data(issuers: Sequence[bytes]) -> tuple[str, bool, bytes]:
    """The ExtData (extnID, critical, extnValue) listing ``issuers`` (DER certificates)."""
    return ISSUERS_OID, False, d.der_seq(*(bytes(cert) for cert in issuers))


def read_issuers(ext_datas: Iterable[tuple[str, bool, bytes]]) -> tuple[bytes, ...]:
    """The certificates of the ``ISSUERS_OID`` ExtData (DER), () when absent or unreadable."""
    for oid, _critical, value in ext_datas:
        if oid != ISSUERS_OID:
            continue
        try:
            top = d.read_one(value)
            return tuple(item.raw for item in d.seq(top, "issuers")
                         if item.is_(d.SEQUENCE))
        except (d.Malformed, ValueError, IndexError):
            return ()
    return ()
