"""GB/T 38540-2020 / GM/T 0031-2014 electronic seals (SES_Seal) and seal signatures (SES_Signature).

The one import for the rest of OpenSeal. Reading (``ses_read``) accepts v1, v4 and "v5"
files leniently and keeps the bytes each signer signed as found; building (``ses_build``)
writes v4 in strict DER; ``ses_der`` holds the DER reading and writing underneath.

    seal = read_seal(esl_bytes)                 # InvalidInput SES_FORMAT if not a seal
    maker_signature_valid(seal)                 # the seal maker's SM2 signature
    sig = read_signature(signed_value_dat)      # an OFD SignedValue.dat of Type="Seal"
    signature_valid(sig) and signer_allowed(sig.seal, sig.signer_cert)
"""

from openseal.core.ofd.ses_build import (
    ExtData,
    Signer,
    seal_info_v4,
    seal_v4,
    signature_v4,
    tbs_sign_v4,
)
from openseal.core.ofd.ses_read import (
    SM2_ALGORITHMS,
    EsSeal,
    EsSignature,
    SealPicture,
    maker_signature_valid,
    read_seal,
    read_signature,
    signature_valid,
    signer_allowed,
)

__all__ = [
    "SM2_ALGORITHMS", "EsSeal", "EsSignature", "ExtData", "SealPicture", "Signer",
    "maker_signature_valid", "read_seal", "read_signature", "seal_info_v4", "seal_v4",
    "signature_v4", "signature_valid", "signer_allowed", "tbs_sign_v4",
]
