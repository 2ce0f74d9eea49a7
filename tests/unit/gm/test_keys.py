"""SM2 key encodings (openseal.core.gm.keys, .pkcs8) and the SM names in asn1crypto
(openseal.core.gm.oids), checked against what the openssl CLI writes and reads."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import algos, core, pem, x509
from asn1crypto import keys as asn1_keys
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from openseal.core.gm import keys, oids, sm2
from openseal.errors import InvalidInput
from tests.support import openssl_sm2

MESSAGE = b"DER(SES_SealInfo) stands in here"


@pytest.fixture()
def openssl_key(tmp_path: Path) -> Path:
    return openssl_sm2.genkey(tmp_path / "key.pem")


def openssl_der(*args: str | Path) -> bytes:
    return openssl_sm2.run(*args, "-outform", "DER").stdout


def refused(code: str, data: bytes, password: bytes | None = None) -> InvalidInput:
    with pytest.raises(InvalidInput) as err:
        keys.load_private_key(data, password)
    assert err.value.code == code, err.value.en
    assert err.value.zh and err.value.en and err.value.zh != err.value.en
    return err.value


def p256_certificate() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = cx509.Name([cx509.NameAttribute(cx509.NameOID.COMMON_NAME, "P-256")])
    now = datetime.now(UTC)
    cert = (cx509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER)


# --- oids ---------------------------------------------------------------------------------

def test_registration_is_idempotent_and_names_sm_algorithms() -> None:
    oids.register()
    oids.register()
    assert asn1_keys.NamedCurve.map(oids.OIDS["sm2"]) == "sm2"
    assert asn1_keys.NamedCurve.unmap("sm2") == "1.2.156.10197.1.301"
    assert algos.SignedDigestAlgorithmId.unmap("sm2_sm3") == "1.2.156.10197.1.501"
    assert algos.DigestAlgorithm({"algorithm": "sm3"}).dump().hex() == \
        "300a06082a811ccf55018311"
    sm2_sm3 = algos.SignedDigestAlgorithm({"algorithm": "sm2_sm3"})
    assert (sm2_sm3.signature_algo, sm2_sm3.hash_algo) == ("sm2", "sm3")
    ecdsa = algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"})
    assert (ecdsa.signature_algo, ecdsa.hash_algo) == ("ecdsa", "sha256")
    with pytest.raises(ValueError):
        algos.SignedDigestAlgorithm({"algorithm": "1.2.3.4"}).signature_algo  # noqa: B018


def test_real_sm2_certificate_is_named(shared_dir: Path) -> None:
    seal = core.Sequence.load((shared_dir / "testdata/ofd/UserV4.esl").read_bytes())
    cert = x509.Certificate.load(seal[1].contents)
    assert cert.public_key.curve == ("named", "sm2")
    assert cert["signature_algorithm"]["algorithm"].native == "sm2_sm3"
    assert (cert.signature_algo, cert.hash_algo) == ("sm2", "sm3")
    assert keys.is_sm2(cert.public_key)
    assert cert.dump() == seal[1].contents  # parsing changed nothing


def test_registration_keeps_pyhanko_and_certvalidator_working() -> None:
    """In a fresh process: our names first, then pyHanko and certvalidator (which patch
    asn1crypto too), then an ECDSA certificate validates as before."""
    code = (
        "import openseal.core.gm\n"
        "import pyhanko.sign.validation, pyhanko_certvalidator\n"
        "from asn1crypto import algos, keys\n"
        "assert keys.NamedCurve.map('1.2.156.10197.1.301') == 'sm2'\n"
        "assert algos.SignedDigestAlgorithmId.map('2.16.840.1.101.3.4.3.17') == 'mldsa44'\n"
        "assert algos.SignedDigestAlgorithm({'algorithm': 'sm2_sm3'}).hash_algo == 'sm3'\n"
    )
    env = {**os.environ, "PYTHONPATH": "src"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env,
                          cwd=Path(__file__).resolve().parents[3], check=False, timeout=120)
    assert done.returncode == 0, done.stderr.decode()


# --- encoding -----------------------------------------------------------------------------

def test_encodings_match_openssl_byte_for_byte(openssl_key: Path) -> None:
    private, public = keys.load_private_key(openssl_key.read_bytes())
    assert keys.private_key_info(private, public) == \
        openssl_der("pkcs8", "-topk8", "-nocrypt", "-in", openssl_key)
    assert keys.public_key_info(public).dump() == \
        openssl_der("pkey", "-in", openssl_key, "-pubout")


def test_our_pkcs8_is_read_by_openssl(tmp_path: Path) -> None:
    private, public = sm2.generate()
    key = tmp_path / "ours.pem"
    key.write_bytes(pem.armor("PRIVATE KEY", keys.private_key_info(private, public)))
    signature = openssl_sm2.sign(key, MESSAGE, tmp_path)
    assert sm2.verify(public, MESSAGE, signature)
    assert openssl_der("pkey", "-in", key, "-pubout") == keys.public_key_info(public).dump()


def test_malformed_raw_keys_are_refused() -> None:
    private, public = sm2.generate()
    for bad_private, bad_public in ((bytes(32), public), (private, public[:32] + bytes(32))):
        with pytest.raises(InvalidInput) as err:
            keys.private_key_info(bad_private, bad_public)
        assert err.value.code == "SM2_KEY_INVALID"
    with pytest.raises(InvalidInput):
        keys.public_key_info(b"\x04" + bytes(64))


# --- loading ------------------------------------------------------------------------------

def test_openssl_genpkey_key_loads_and_signs(openssl_key: Path, tmp_path: Path) -> None:
    private, public = keys.load_private_key(openssl_key.read_bytes())
    signature = sm2.sign(private, public, MESSAGE)
    openssl_public = pem.armor("PUBLIC KEY", openssl_der("pkey", "-in", openssl_key, "-pubout"))
    assert openssl_sm2.verify(openssl_public, MESSAGE, signature, tmp_path)


def test_every_unencrypted_form_loads(openssl_key: Path) -> None:
    expected = keys.load_private_key(openssl_key.read_bytes())
    sec1_pem = openssl_sm2.run("ec", "-in", openssl_key).stdout  # "SM2 PRIVATE KEY" in 3.x
    sec1_der = openssl_der("ec", "-in", openssl_key)
    forms = {
        "pkcs8 der": openssl_der("pkcs8", "-topk8", "-nocrypt", "-in", openssl_key),
        "sec1 pem": sec1_pem,
        "sec1 der": sec1_der,
        "EC PRIVATE KEY": pem.armor("EC PRIVATE KEY", sec1_der),
    }
    for form, data in forms.items():
        assert keys.load_private_key(data) == expected, form


def test_missing_public_key_is_computed(openssl_key: Path, tmp_path: Path) -> None:
    expected = keys.load_private_key(openssl_key.read_bytes())
    sec1 = openssl_der("ec", "-in", openssl_key, "-no_public")
    assert isinstance(asn1_keys.ECPrivateKey.load(sec1)["public_key"], core.Void)
    (tmp_path / "nopub.der").write_bytes(sec1)
    pkcs8 = openssl_der("pkcs8", "-topk8", "-nocrypt", "-inform", "DER",
                        "-in", tmp_path / "nopub.der")
    assert keys.load_private_key(sec1) == expected
    assert keys.load_private_key(pkcs8) == expected


@pytest.mark.parametrize("options", [
    (),  # OpenSSL 3's default: PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC
    ("-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1"),
    ("-v2", "sm4-cbc"),
])
def test_encrypted_pkcs8_loads(openssl_key: Path, options: tuple[str, ...]) -> None:
    expected = keys.load_private_key(openssl_key.read_bytes())
    encrypted = openssl_sm2.run("pkcs8", "-topk8", "-in", openssl_key, *options,
                                "-passout", "pass:口令 secret").stdout
    assert b"ENCRYPTED PRIVATE KEY" in encrypted
    assert keys.load_private_key(encrypted, "口令 secret".encode()) == expected
    refused("SM2_KEY_PASSWORD", encrypted)
    refused("SM2_KEY_PASSWORD", encrypted, b"wrong")


def test_gmssl_style_encryption_hmac_sm3_and_sm4_loads() -> None:
    """GmSSL encrypts PKCS#8 with PBKDF2-HMAC-SM3 and SM4-CBC (OpenSSL cannot make it)."""
    private, public = sm2.generate()
    salt, iv, iterations = os.urandom(8), os.urandom(16), 2048
    key = PBKDF2HMAC(hashes.SM3(), 16, salt, iterations).derive(b"pw")
    padder = padding.PKCS7(128).padder()
    plain = padder.update(keys.private_key_info(private, public)) + padder.finalize()
    encryptor = Cipher(algorithms.SM4(key), modes.CBC(iv)).encryptor()
    scheme = algos.EncryptionAlgorithm({"algorithm": "pbes2", "parameters": {
        "key_derivation_func": {"algorithm": "pbkdf2", "parameters": {
            "salt": algos.Pbkdf2Salt(name="specified", value=salt),
            "iteration_count": iterations, "prf": {"algorithm": "hmac_sm3"}}},
        "encryption_scheme": {"algorithm": "sm4_cbc", "parameters": iv}}})
    der = asn1_keys.EncryptedPrivateKeyInfo({
        "encryption_algorithm": scheme,
        "encrypted_data": encryptor.update(plain) + encryptor.finalize()}).dump()
    assert "1.2.156.10197.1.104.2" in str(core.Sequence.load(der).native)
    assert keys.load_private_key(der, b"pw") == (private, public)


def test_keys_on_other_curves_are_refused() -> None:
    p256 = ec.generate_private_key(ec.SECP256R1())
    for fmt in (serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL):
        for encoding in (serialization.Encoding.PEM, serialization.Encoding.DER):
            data = p256.private_bytes(encoding, fmt, serialization.NoEncryption())
            err = refused("SM2_KEY_NOT_SM2", data)
            assert "secp256r1" in err.en and "SM2" in err.zh
    rsa_key = rsa.generate_private_key(65537, 2048).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    assert "rsa" in refused("SM2_KEY_NOT_SM2", rsa_key).en


def test_bad_key_files_are_refused(openssl_key: Path) -> None:
    private, public = keys.load_private_key(openssl_key.read_bytes())
    for data in (b"", b"garbage", b"\x30\x03\x02\x01\x05", b"\x30\x80",
                 b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
                 openssl_sm2.run("pkey", "-in", openssl_key, "-pubout").stdout):
        refused("SM2_KEY_INVALID", data)
    good = keys.private_key_info(private, public)
    refused("SM2_KEY_INVALID", good[:-5])
    # A public key that is not the private key's.
    ec_key = asn1_keys.PrivateKeyInfo.load(good)["private_key"].parsed
    ec_key["public_key"] = b"\x04" + sm2.generate()[1]
    algorithm = asn1_keys.PrivateKeyInfo.load(good)["private_key_algorithm"]
    mismatched = asn1_keys.PrivateKeyInfo({
        "version": 0, "private_key_algorithm": algorithm, "private_key": ec_key}).dump()
    assert "does not belong" in refused("SM2_KEY_INVALID", mismatched).en
    # SEC1 without a curve: nothing says it is SM2.
    bare = asn1_keys.ECPrivateKey({"version": 1, "private_key": int.from_bytes(private, "big")})
    refused("SM2_KEY_NOT_SM2", bare.dump())


def test_legacy_pem_encryption_is_refused_with_advice(openssl_key: Path) -> None:
    legacy = openssl_sm2.run("ec", "-in", openssl_key, "-aes256",
                             "-passout", "pass:pw").stdout
    assert b"Proc-Type" in legacy
    assert "pkcs8" in refused("SM2_KEY_ENCRYPTION", legacy, b"pw").en


# --- public keys --------------------------------------------------------------------------

def test_public_point_from_spki_and_certificates(shared_dir: Path) -> None:
    private, public = sm2.generate()
    spki = keys.public_key_info(public)
    assert keys.public_point(spki) == public
    assert keys.public_point(spki.dump()) == public
    assert keys.is_sm2(spki)
    der = core.Sequence.load((shared_dir / "testdata/ofd/UserV4.esl").read_bytes())[1].contents
    cert = x509.Certificate.load(der)
    assert keys.public_point(der) == keys.public_point(cert) == \
        cert.public_key["public_key"].native[1:]


def test_public_point_accepts_a_compressed_point() -> None:
    public = sm2.generate()[1]
    compressed = bytes([2 + (public[63] & 1)]) + public[:32]
    spki = asn1_keys.PublicKeyInfo({
        "algorithm": keys.public_key_info(public)["algorithm"], "public_key": compressed})
    assert keys.public_point(spki.dump()) == public


def test_public_point_refuses_other_keys() -> None:
    cert_der = p256_certificate()
    for key in (cert_der, x509.Certificate.load(cert_der),
                x509.Certificate.load(cert_der).public_key):
        with pytest.raises(InvalidInput) as err:
            keys.public_point(key)
        assert err.value.code == "SM2_KEY_NOT_SM2" and "secp256r1" in err.value.en
    assert not keys.is_sm2(x509.Certificate.load(cert_der).public_key)
    private, public = sm2.generate()
    for garbage in (b"", b"garbage", b"\x30\x00", keys.private_key_info(private, public)):
        with pytest.raises(InvalidInput) as err:
            keys.public_point(garbage)
        assert err.value.code == "SM2_KEY_INVALID"
    off_curve = asn1_keys.PublicKeyInfo({
        "algorithm": {"algorithm": "ec", "parameters": asn1_keys.ECDomainParameters(
            name="named", value="sm2")},
        "public_key": b"\x04" + bytes(64)})
    with pytest.raises(InvalidInput) as err:
        keys.public_point(off_curve)
    assert err.value.code == "SM2_KEY_INVALID"
