"""pyHanko's Signer, backed by our KeyStore: the only path from a document to a key."""

from __future__ import annotations

from asn1crypto import x509
from asn1crypto.algos import SignedDigestAlgorithm
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

from openseal.core.keys.model import KeyStore


class KeyStoreSigner(Signer):
    """Signs CMS signed attributes with a key that never leaves the KeyStore."""

    def __init__(
        self,
        keystore: KeyStore,
        key_id: str,
        certificate: x509.Certificate,
        chain: tuple[x509.Certificate, ...],
    ) -> None:
        algorithm = keystore.signature_algorithm(key_id, "sha256")
        super().__init__(
            signing_cert=certificate,
            cert_registry=SimpleCertificateStore.from_certs([certificate, *chain]),
            signature_mechanism=SignedDigestAlgorithm({"algorithm": algorithm}),
            embed_roots=True,
        )
        self._keystore = keystore
        self._key_id = key_id

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        return self._keystore.sign_raw(self._key_id, data, digest_algorithm)
