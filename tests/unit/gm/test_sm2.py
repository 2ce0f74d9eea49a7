"""SM2 and SM3 (openseal.core.gm.sm2) checked against two independent implementations:
gmalglib (its own C code) and the openssl CLI, and against real seals made elsewhere."""

from __future__ import annotations

import secrets
from pathlib import Path

import gmalglib
import pytest
from asn1crypto import algos, core
from cryptography.hazmat.primitives import hashes
from gmalglib import sm2 as gmalg_sm2

from openseal.core.gm import keys, sm2
from tests.support import openssl_sm2

MESSAGE = "电子印章 OpenSeal: GB/T 38540".encode()
N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)


def gmalglib_verify(public: bytes, message: bytes, signature: bytes,
                    signer_id: bytes = sm2.SIGNER_ID) -> bool:
    """gmalglib's verdict (it takes raw r || s and a 65-byte 04 || x || y key)."""
    raw = algos.DSASignature.load(signature).to_p1363()
    return bool(gmalg_sm2.SM2(pk=b"\x04" + public, uid=signer_id).verify(message, raw))


def gmalglib_sign(private: bytes, message: bytes) -> bytes:
    raw = gmalg_sm2.SM2(sk=private).sign(message)
    return algos.DSASignature.from_p1363(raw).dump()


def public_pem(public: bytes) -> bytes:
    from asn1crypto import pem
    return pem.armor("PUBLIC KEY", keys.public_key_info(public).dump())


@pytest.fixture()
def samples(shared_dir: Path) -> Path:
    """The real GB/T 38540 seals (testdata/ofd/README.md says what each should give)."""
    return shared_dir / "testdata" / "ofd"


# --- SM3 -------------------------------------------------------------------------------

def test_sm3_standard_vectors() -> None:
    # GB/T 32905-2016, appendix A: "abc" and "abcd" * 16.
    assert sm2.sm3(b"abc").hex() == \
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm2.sm3(b"abcd" * 16).hex() == \
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_sm3_agrees_with_gmalglib_and_openssl_hash() -> None:
    for data in (b"", MESSAGE, secrets.token_bytes(1000), secrets.token_bytes(65)):
        digest = hashes.Hash(hashes.SM3())
        digest.update(data)
        assert sm2.sm3(data) == gmalglib.sm3_digest(data) == digest.finalize()


# --- our signatures, checked by others ---------------------------------------------------

def test_our_signature_verifies_with_gmalglib() -> None:
    private, public = sm2.generate()
    for message in (MESSAGE, b"", secrets.token_bytes(5000)):
        signature = sm2.sign(private, public, message)
        assert sm2.verify(public, message, signature)
        assert gmalglib_verify(public, message, signature)


def test_our_signature_verifies_with_openssl(tmp_path: Path) -> None:
    private, public = sm2.generate()
    signature = sm2.sign(private, public, MESSAGE)
    assert openssl_sm2.verify(public_pem(public), MESSAGE, signature, tmp_path)
    assert not openssl_sm2.verify(public_pem(public), MESSAGE + b".", signature, tmp_path)


def test_custom_signer_id_is_used_in_z() -> None:
    private, public = sm2.generate()
    signature = sm2.sign(private, public, MESSAGE, signer_id=b"ALICE123@YAHOO.COM")
    assert sm2.verify(public, MESSAGE, signature, signer_id=b"ALICE123@YAHOO.COM")
    assert gmalglib_verify(public, MESSAGE, signature, signer_id=b"ALICE123@YAHOO.COM")
    assert not sm2.verify(public, MESSAGE, signature)
    assert not gmalglib_verify(public, MESSAGE, signature)


def test_signatures_are_randomised_der() -> None:
    private, public = sm2.generate()
    one, two = sm2.sign(private, public, MESSAGE), sm2.sign(private, public, MESSAGE)
    assert one != two
    rs = algos.DSASignature.load(one, strict=True)
    assert 0 < rs["r"].native < N and 0 < rs["s"].native < N


# --- others' signatures, checked by ours --------------------------------------------------

def test_gmalglib_signature_verifies_with_ours() -> None:
    private, public65 = gmalglib.sm2_generate_keypair()
    signature = gmalglib_sign(private, MESSAGE)
    assert sm2.verify(public65, MESSAGE, signature)
    assert sm2.verify(sm2.point(public65), MESSAGE, signature)
    assert not sm2.verify(public65, MESSAGE[:-1], signature)


def test_openssl_signature_verifies_with_ours(tmp_path: Path) -> None:
    key = openssl_sm2.genkey(tmp_path / "key.pem")
    private, public = keys.load_private_key(key.read_bytes())
    signature = openssl_sm2.sign(key, MESSAGE, tmp_path)
    assert sm2.verify(public, MESSAGE, signature)
    assert gmalglib_verify(public, MESSAGE, signature)
    assert not sm2.verify(public, MESSAGE + b"!", signature)


def test_real_seal_maker_signature_verifies(samples: Path) -> None:
    """UserV4.esl (GB/T 38540 v4, made by ofdrw): the maker signs DER(SES_SealInfo)."""
    seal = core.Sequence.load((samples / "UserV4.esl").read_bytes())
    seal_info, maker_cert, signature = seal[0].dump(), seal[1].contents, seal[3].contents
    assert signature[0] == 0  # BIT STRING: no unused bits, then DER SEQUENCE{r, s}
    public = keys.public_point(maker_cert)
    assert sm2.verify(public, seal_info, signature[1:])
    assert gmalglib_verify(public, seal_info, signature[1:])
    assert not sm2.verify(public, seal_info + b"\x00", signature[1:])


def test_third_party_seal_with_a_bad_signature_fails(samples: Path) -> None:
    """SESealData.DER's seal signature is known not to verify (testdata README)."""
    seal = core.Sequence.load((samples / "SESealData.DER").read_bytes())
    public = keys.public_point(seal[1].contents)
    assert not sm2.verify(public, seal[0].dump(), seal[3].contents[1:])


# --- negatives ----------------------------------------------------------------------------

def test_verification_fails_for_any_change() -> None:
    private, public = sm2.generate()
    signature = sm2.sign(private, public, MESSAGE)
    other_public = sm2.generate()[1]
    rs = algos.DSASignature.load(signature).native
    changed = algos.DSASignature({"r": rs["r"], "s": (rs["s"] + 1) % N}).dump()
    assert not sm2.verify(public, MESSAGE + b" ", signature)  # another message
    assert not sm2.verify(public, MESSAGE, changed)  # another signature
    assert not sm2.verify(other_public, MESSAGE, signature)  # another key
    assert not sm2.verify(public, MESSAGE, signature, signer_id=b"1234567812345679")
    assert not gmalglib_verify(public, MESSAGE, changed)
    assert not gmalglib_verify(other_public, MESSAGE, signature)


@pytest.mark.parametrize("signature", [b"", b"\x30\x00", b"garbage", b"\x00" * 72])
def test_malformed_signatures_are_false_not_errors(signature: bytes) -> None:
    public = sm2.generate()[1]
    assert sm2.verify(public, MESSAGE, signature) is False


def test_malformed_public_keys() -> None:
    private, public = sm2.generate()
    signature = sm2.sign(private, public, MESSAGE)
    assert sm2.verify(public[:-1], MESSAGE, signature) is False
    assert not sm2.is_valid_public(public[:32] + bytes(32))  # not on the curve
    assert not sm2.is_valid_public(b"\x05" + public)
    with pytest.raises(ValueError):
        sm2.point(b"\x04" * 10)


# --- key helpers --------------------------------------------------------------------------

def test_public_from_private_agrees_with_gmssl_and_gmalglib() -> None:
    for _ in range(5):
        private, public = sm2.generate()
        assert sm2.public_from_private(private) == public
        assert gmalglib.sm2_get_pk(private) == b"\x04" + public


def test_private_key_range() -> None:
    assert not sm2.is_valid_private(bytes(32))
    assert not sm2.is_valid_private((N - 1).to_bytes(32, "big"))
    assert not sm2.is_valid_private(b"\x01" * 31)
    assert sm2.is_valid_private((N - 2).to_bytes(32, "big"))
    assert sm2.is_valid_private((1).to_bytes(32, "big"))
    with pytest.raises(ValueError):
        sm2.public_from_private(bytes(32))
    # d = 1: the public key is the base point G.
    assert sm2.public_from_private((1).to_bytes(32, "big")).hex() == (
        "32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7"
        "bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0")


def test_is_key_pair() -> None:
    private, public = sm2.generate()
    assert sm2.is_key_pair(private, public)
    assert sm2.is_key_pair(private, b"\x04" + public)
    assert not sm2.is_key_pair(private, sm2.generate()[1])
    assert not sm2.is_key_pair(bytes(32), public)
