"""pyHanko's Signer, backed by our KeyStore: the only path from a document to a key.

pyHanko still drives the whole signature; this subclass only supplies, through pyHanko's
Signer extension points, constant CMS parts that were encoded once (see ``cms_parts``) instead
of letting pyHanko rebuild and re-encode them for every document. Anything other than the
plain PAdES case we produce falls back to pyHanko's own code.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from asn1crypto import cms, x509
from asn1crypto.algos import SignedDigestAlgorithm
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore

from openseal.core.keys.model import KeyStore
from openseal.core.signing.cms_parts import CmsParts, signature_timestamp_attrs

DIGEST = "sha256"


class KeyStoreSigner(Signer):
    """Signs CMS signed attributes with a key that never leaves the KeyStore.

    Thread-safe: it holds only immutable state, so one signer serves concurrent signatures.
    """

    def __init__(
        self,
        keystore: KeyStore,
        key_id: str,
        certificate: x509.Certificate,
        chain: tuple[x509.Certificate, ...],
    ) -> None:
        # Certificates parsed from DER keep their encoding; built ones would be re-encoded.
        certificate = x509.Certificate.load(certificate.dump())
        chain = tuple(x509.Certificate.load(c.dump()) for c in chain)
        mechanism = SignedDigestAlgorithm(
            {"algorithm": keystore.signature_algorithm(key_id, DIGEST)})
        super().__init__(
            signing_cert=certificate,
            cert_registry=SimpleCertificateStore.from_certs([certificate, *chain]),
            signature_mechanism=mechanism,
            embed_roots=True,
        )
        self._keystore = keystore
        self._key_id = key_id
        self._parts = CmsParts.build(certificate, chain, mechanism, DIGEST)
        self._extra: tuple[bytes, ...] = ()

    def with_attributes(self, extra: tuple[bytes, ...]) -> KeyStoreSigner:
        """This signer, for one document whose signed attributes also hold ``extra`` (DER
        CMS attributes). A shallow copy: the key handle and encoded parts are shared."""
        if not extra:
            return self
        twin = copy.copy(self)
        twin._extra = extra
        return twin

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        return self._keystore.sign_raw(self._key_id, data, digest_algorithm)

    async def signed_attrs(
        self, data_digest: bytes, digest_algorithm: str, attr_settings: Any = None,
        content_type: str = "data", use_pades: bool = False, timestamper: Any = None,
        dry_run: bool = False, is_pdf_sig: bool = True,
    ) -> cms.CMSAttributes:
        """Pre-encoded PAdES attributes when that is what pyHanko asks for, else pyHanko's."""
        if self._is_plain_pades(digest_algorithm, attr_settings, content_type, use_pades,
                                is_pdf_sig):
            return self._parts.signed_attrs(data_digest, self._extra)
        if self._extra:
            raise ValueError("extra signed attributes need the plain PAdES signature")
        return await super().signed_attrs(
            data_digest, digest_algorithm, attr_settings=attr_settings,
            content_type=content_type, use_pades=use_pades, timestamper=timestamper,
            dry_run=dry_run, is_pdf_sig=is_pdf_sig)

    async def unsigned_attrs(
        self, digest_algorithm: str, signature: bytes, signed_attrs: cms.CMSAttributes,
        timestamper: Any = None, dry_run: bool = False,
    ) -> cms.CMSAttributes | None:
        """The signature timestamp token, as pyHanko's default provider gets it, as DER.

        The same request pyHanko makes (the timestamper asked for a token on the digest of
        ``signature``), but the attribute is joined from the token's bytes instead of built
        from dicts and re-encoded. Anything else falls back to pyHanko's own code.
        """
        if (timestamper is None or dry_run or self.unsigned_attr_prov_spec is not None
                or digest_algorithm.lower() != DIGEST):
            return await super().unsigned_attrs(
                digest_algorithm, signature, signed_attrs=signed_attrs,
                timestamper=timestamper, dry_run=dry_run)
        token = await timestamper.async_timestamp(hashlib.sha256(signature).digest(), DIGEST)
        return signature_timestamp_attrs(token)

    def _package_signature(
        self, *, digest_algorithm: str, cms_version: str, signed_attrs: cms.CMSAttributes,
        signature: bytes, unsigned_attrs: cms.CMSAttributes | None,
        encap_content_info: Any,
    ) -> cms.ContentInfo:
        """Assemble SignedData around the pre-encoded certificate set and identifiers."""
        detached = encap_content_info in (None, {"content_type": "data"})
        if digest_algorithm == DIGEST and cms_version == "v1" and detached:
            return self._parts.signed_data(signed_attrs, signature, unsigned_attrs)
        return super()._package_signature(
            digest_algorithm=digest_algorithm, cms_version=cms_version,
            signed_attrs=signed_attrs, signature=signature, unsigned_attrs=unsigned_attrs,
            encap_content_info=encap_content_info)

    def _is_plain_pades(
        self, digest_algorithm: str, attr_settings: Any, content_type: str, use_pades: bool,
        is_pdf_sig: bool,
    ) -> bool:
        """True for the one attribute set our sealer requests: PAdES, no extra attributes."""
        # pyHanko ignores signing_time and Adobe revocation info under PAdES.
        extras = attr_settings is not None and attr_settings.cades_signed_attrs is not None
        return (use_pades and is_pdf_sig and content_type == "data" and not extras
                and digest_algorithm.lower() == DIGEST and self.signed_attr_prov_spec is None)
