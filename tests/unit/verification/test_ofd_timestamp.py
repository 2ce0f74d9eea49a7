"""``check_timestamp``: an OFD signature's RFC 3161 token, checked in full (imprint over the
signature value, CMS signature, TSA path, critical timeStamping EKU), with real tokens of
a throwaway TSA (tests/support/ofd_tokens.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from asn1crypto import algos

from openseal.core.ofd.verify import verify_ofd
from openseal.core.verification import reasons as R
from openseal.core.verification.ofd_timestamp import (
    TimestampCheck,
    check_timestamp,
    imprint_of,
    times_at,
)
from openseal.core.verification.policy import DEFAULT_POLICY
from tests.support.ofd_tokens import ThrowawayTsa, flipped_signature

VALUE = b"0D\x02\x20" + bytes(range(32)) + b"\x02\x20" + bytes(range(32, 64))
WHEN = datetime(2026, 11, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def tsa() -> ThrowawayTsa:
    return ThrowawayTsa()


def check(token: bytes, tsa: ThrowawayTsa | None, value: bytes = VALUE) -> TimestampCheck:
    roots = [tsa.certificate] if tsa is not None else []
    return check_timestamp(token, value, roots, DEFAULT_POLICY, None)


def test_a_token_over_the_signature_value_from_a_trusted_tsa_gives_its_time(
        tsa: ThrowawayTsa) -> None:
    found = check(tsa.token(VALUE, WHEN), tsa)
    assert found.trusted and found.code is None
    assert found.gen_time == WHEN and found.tsa == "Common Name: Throwaway TSA"


def test_a_token_over_other_bytes_is_invalid(tsa: ThrowawayTsa) -> None:
    found = check(tsa.token(b"another signature", WHEN), tsa)
    assert (found.code, found.gen_time) == (R.SES_TIMESTAMP_INVALID, None)
    assert found.claimed_time == WHEN and "messageImprint" in found.detail
    assert R.severity(R.SES_TIMESTAMP_INVALID) == R.INVALID


def test_a_token_with_one_signature_bit_flipped_is_invalid(tsa: ThrowawayTsa) -> None:
    found = check(flipped_signature(tsa.token(VALUE, WHEN)), tsa)
    assert (found.code, found.gen_time) == (R.SES_TIMESTAMP_INVALID, None)


def test_a_sound_token_from_a_tsa_nobody_trusts_is_untrusted(tsa: ThrowawayTsa) -> None:
    found = check(tsa.token(VALUE, WHEN), None)
    assert (found.code, found.gen_time, found.claimed_time) == (
        R.SES_TIMESTAMP_UNTRUSTED, None, WHEN)
    other = ThrowawayTsa(name="Another TSA")
    assert check(tsa.token(VALUE, WHEN), other).code == R.SES_TIMESTAMP_UNTRUSTED
    assert R.severity(R.SES_TIMESTAMP_UNTRUSTED) == R.WARNING  # as if there were no token


def test_a_tsa_whose_timestamping_usage_is_not_critical_is_not_relied_on() -> None:
    lax = ThrowawayTsa(critical_eku=False)
    found = check(lax.token(VALUE, WHEN), lax)
    assert (found.code, found.gen_time) == (R.SES_TIMESTAMP_UNTRUSTED, None)
    assert "critical" in found.detail


@pytest.mark.parametrize("junk", [b"", b"junk", b"\x30\x03\x02\x01\x01", b"\x30" * 40])
def test_junk_as_a_token_is_invalid_never_an_exception(junk: bytes) -> None:
    found = check_timestamp(junk, VALUE, [], DEFAULT_POLICY, None)
    assert (found.code, found.gen_time) == (R.SES_TIMESTAMP_INVALID, None)


def test_weak_and_unknown_imprint_digests_are_refused() -> None:
    for name in ("md5", "sha1"):
        assert imprint_of(algos.DigestAlgorithmId(name), VALUE) is None
    assert (imprint_of(algos.DigestAlgorithmId("1.2.156.10197.1.401"), b"abc") or b"").hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")  # SM3("abc")
    assert len(imprint_of(algos.DigestAlgorithmId("sha256"), VALUE) or b"") == 32


def test_a_trusted_time_judges_the_certificate_and_seal_validity(shared_dir: Path) -> None:
    """SESV4SignDoc claims 2026 with a seal and certificate that ended in 2022: at a
    (trusted) time inside their validity nothing is wrong, at the claimed time both are."""
    path = shared_dir / "testdata" / "ofd" / "SESV4SignDoc.ofd"
    if not path.exists():
        pytest.skip(f"sample {path} is not available")
    [found] = verify_ofd(path.read_bytes()).signatures
    assert found.seal is not None and found.signing_time is not None
    inside = found.seal.valid_from + (found.seal.valid_until - found.seal.valid_from) / 2
    assert times_at(found, inside) == []
    assert times_at(found, found.signing_time) == ["CERT_NOT_VALID_AT_SIGNING",
                                                   "SEAL_NOT_VALID_AT_SIGNING"]
