"""Reading certificates from PEM (or DER) files."""

from __future__ import annotations

from asn1crypto import pem, x509

from openseal.errors import InvalidInput


def load_pem_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle (or one DER certificate). InvalidInput if none."""
    try:
        if pem.detect(data):
            certs = [x509.Certificate.load(der) for kind, _, der in pem.unarmor(data, True)
                     if kind == "CERTIFICATE"]
        else:
            certs = [x509.Certificate.load(data)]
        for cert in certs:
            _ = cert.native
    except Exception:  # noqa: BLE001 - any parse failure is the caller's bad file
        raise InvalidInput("CERT_FILE", "证书文件无法解析（需要 PEM 或 DER）",
                           "The certificate file cannot be read (PEM or DER expected)",
                           field="trust") from None
    if not certs:
        raise InvalidInput("CERT_FILE", "文件里没有证书", "The file holds no certificate",
                           field="trust")
    return certs
