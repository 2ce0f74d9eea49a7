"""Test seals (sandbox CA): reported as such, never VALID; production seals unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from asn1crypto import x509
from fastapi.testclient import TestClient

from openseal.core.verification import reasons as R
from openseal.core.verification import verify_pdf
from openseal.interfaces.api.app import create_app
from tests.support.instance import TestInstance, make_instance
from tests.support.sandbox import add_sandbox_org, add_seal, sandbox_anchors, seal_pdf


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> TestInstance:
    return make_instance(tmp_path_factory.mktemp("test-seals"))


@pytest.fixture(scope="module")
def sandbox_roots(instance: TestInstance, sandbox_sealed: bytes) -> list[x509.Certificate]:
    roots = sandbox_anchors(instance)
    assert len(roots) == 1
    return roots


@pytest.fixture(scope="module")
def sandbox_sealed(instance: TestInstance, sample_pdf: bytes) -> bytes:
    seal = add_seal(instance, add_sandbox_org(instance).id)
    return seal_pdf(instance, seal, sample_pdf)


@pytest.fixture(scope="module")
def production_sealed(instance: TestInstance, sample_pdf: bytes) -> bytes:
    return instance.seal(sample_pdf)


def test_test_seal_is_reported_and_indeterminate(
        instance: TestInstance, sandbox_sealed: bytes,
        sandbox_roots: list[x509.Certificate]) -> None:
    report = verify_pdf(sandbox_sealed, instance.roots, filename="t.pdf", test_roots=sandbox_roots)
    assert report.verdict == R.INDETERMINATE
    assert R.TEST_SEAL in report.reasons and R.UNTRUSTED_SIGNER not in report.reasons
    (sig,) = report.to_dict()["signatures"]
    assert sig["test_seal"] is True and sig["trusted"] is False
    assert sig["verdict"] == R.INDETERMINATE and sig["reasons"] == [R.TEST_SEAL]
    assert sig["intact"] is True and sig["valid"] is True
    assert sig["pades_level"] == "B-T"  # the production TSA's timestamp is trusted
    assert sig["seal_name"] == "合同专用章"


def test_test_seal_without_test_roots_is_untrusted(instance: TestInstance,
                                                   sandbox_sealed: bytes) -> None:
    report = verify_pdf(sandbox_sealed, instance.roots)
    assert report.verdict != R.VALID
    (sig,) = report.to_dict()["signatures"]
    assert sig["test_seal"] is False and sig["trusted"] is False
    assert sig["reasons"] == [R.UNTRUSTED_SIGNER]


def test_the_test_root_is_not_among_the_trust_anchors(
        instance: TestInstance, sandbox_roots: list[x509.Certificate]) -> None:
    trusted = {root.dump() for root in instance.roots}
    assert all(root.dump() not in trusted for root in sandbox_roots)


def test_production_seal_is_still_valid(instance: TestInstance, production_sealed: bytes,
                                        sandbox_roots: list[x509.Certificate]) -> None:
    for roots in ((), sandbox_roots):
        report = verify_pdf(production_sealed, instance.roots, test_roots=roots)
        assert report.verdict == R.VALID and report.reasons == ()
        (sig,) = report.to_dict()["signatures"]
        assert sig["test_seal"] is False and sig["trusted"] is True


def test_foreign_signer_is_not_a_test_seal(production_sealed: bytes,
                                           sandbox_roots: list[x509.Certificate]) -> None:
    """A signer chaining to neither is untrusted, not a test seal."""
    report = verify_pdf(production_sealed, [], test_roots=sandbox_roots)
    (sig,) = report.to_dict()["signatures"]
    assert sig["test_seal"] is False and R.UNTRUSTED_SIGNER in sig["reasons"]
    assert report.verdict == R.INDETERMINATE


def test_tampered_test_seal_is_invalid(instance: TestInstance, sandbox_sealed: bytes,
                                       sandbox_roots: list[x509.Certificate]) -> None:
    data = bytearray(sandbox_sealed)
    at = data.index(b"/Type /Page") if b"/Type /Page" in data else len(data) // 3
    data[at + 1] ^= 0x01  # one byte inside the signed range
    report = verify_pdf(bytes(data), instance.roots, test_roots=sandbox_roots)
    assert report.verdict == R.INVALID


def test_test_seal_is_explained_in_both_languages(
        instance: TestInstance, sandbox_sealed: bytes,
        sandbox_roots: list[x509.Certificate]) -> None:
    report = verify_pdf(sandbox_sealed, instance.roots, test_roots=sandbox_roots)
    assert "测试印章（沙箱环境签发），不具法律效力" in report.summary("zh")
    assert "sandbox mode" in report.summary("en") and "[TEST_SEAL]" in report.summary("en")
    assert R.severity(R.TEST_SEAL) == R.INDETERMINATE


def test_api_verify_reports_the_test_seal(instance: TestInstance, sandbox_sealed: bytes) -> None:
    client = TestClient(create_app(instance.wiring), raise_server_exceptions=False)
    answer = client.post("/api/v1/verify", files={"file": ("t.pdf", sandbox_sealed)})
    assert answer.status_code == 200
    report = answer.json()
    assert report["verdict"] == R.INDETERMINATE and report["reasons"] == [R.TEST_SEAL]
    assert report["signatures"][0]["test_seal"] is True


def test_cli_verify_reports_the_test_seal(instance: TestInstance, sandbox_sealed: bytes,
                                          tmp_path: Path) -> None:
    (tmp_path / "t.pdf").write_bytes(sandbox_sealed)
    env = {**os.environ, "OPENSEAL_HOME": str(instance.wiring.settings.home)}
    env.pop("OPENSEAL_DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "openseal", "verify", str(tmp_path / "t.pdf"),
                             "--json"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr  # INDETERMINATE
    report = json.loads(result.stdout)
    assert report["reasons"] == [R.TEST_SEAL] and report["signatures"][0]["test_seal"] is True
