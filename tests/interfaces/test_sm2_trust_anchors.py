"""Imported SM2 roots (`openseal ca trust add`): a licensed seal maker's SM2 root makes the
OFD files its seals signed trusted — untrusted (INDETERMINATE) before, VALID after, untrusted
again once removed — while the PDF verifier never sees it (pyHanko cannot read SM2). The same
rules as for other roots: only a self-signed SM2 CA certificate, checked with SM2, valid now."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from asn1crypto import pem
from PIL import Image

from openseal.core.ofd.sign import OfdStamp, seal_ofd
from openseal.core.pki.anchors import imported_anchors, sm2_verification_anchors
from tests.support.api import World, make_world
from tests.support.cli import WorldCli
from tests.support.ofd import Sm2World, make_ofd, sm2_world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("sm2-anchors") / "home")


@pytest.fixture(scope="module")
def maker() -> Sm2World:
    picture = io.BytesIO()
    Image.new("RGBA", (200, 200), (255, 0, 0, 255)).save(picture, "PNG")
    return sm2_world(picture.getvalue())


def _sealed(maker: Sm2World) -> bytes:
    return seal_ofd(make_ofd(1), seal=maker.seal, signer_cert=maker.signer, sign=maker.sign,
                    stamps=(OfdStamp(page=1, x_mm=120, y_mm=40),), signed_at=maker.now)


def _verdict(world: World, ofd: bytes) -> dict[str, object]:
    report = world.client().post("/api/v1/verify", files={
        "file": ("invoice.ofd", ofd, "application/ofd")}).json()
    return dict(report["signatures"][0])


def _pem_file(tmp_path: Path, name: str, der: bytes) -> str:
    path = tmp_path / f"{name}.pem"
    path.write_bytes(pem.armor("CERTIFICATE", der))
    return str(path)


def test_an_imported_sm2_root_trusts_its_seals_and_only_for_ofd(
        world: World, maker: Sm2World, tmp_path: Path) -> None:
    ofd = _sealed(maker)
    before = _verdict(world, ofd)
    assert before["verdict"] == "INDETERMINATE" and before["intact"] and before["valid"]
    cli = WorldCli(world, "ca", "trust")
    added = cli.json("add", _pem_file(tmp_path, "maker-root", maker.root), "--name",
                     "某制章单位 SM2 根证书")
    after = _verdict(world, ofd)
    assert after["verdict"] == "VALID" and after["trusted"] is True, after
    with world.wiring.context() as c:
        assert maker.root in sm2_verification_anchors(c.pki, c.repos)
        assert all(a.dump() != maker.root for a in imported_anchors(c.repos))
    pdf_check = world.client().post("/api/v1/verify", files={
        "file": ("a.pdf", b"%PDF-1.7\nnot much", "application/pdf")})
    assert pdf_check.status_code == 200  # the PDF verifier still runs with SM2 roots around
    assert cli.json("remove", added["id"])["removed"] is True
    assert _verdict(world, ofd)["verdict"] == "INDETERMINATE"


@pytest.mark.parametrize("which, code", [("signer", "ANCHOR_NOT_CA"),
                                         ("maker", "ANCHOR_NOT_SELF_SIGNED")])
def test_only_a_self_signed_sm2_ca_is_accepted(world: World, maker: Sm2World, tmp_path: Path,
                                               which: str, code: str) -> None:
    der = maker.signer if which == "signer" else maker.maker
    refused = WorldCli(world, "ca", "trust").json("add", _pem_file(tmp_path, which, der),
                                                  expect=2)
    assert refused["error"] == code, refused
    assert world.client().get("/api/v1/pki/anchors").json()["imported"] == []


def test_a_forged_sm2_root_is_refused(world: World, maker: Sm2World, tmp_path: Path) -> None:
    """One flipped bit in the signed part: the self-signature no longer verifies."""
    forged = bytearray(maker.root)
    forged[60] ^= 0x01
    refused = WorldCli(world, "ca", "trust").json(
        "add", _pem_file(tmp_path, "forged", bytes(forged)), expect=2)
    assert refused["error"] in ("ANCHOR_NOT_SELF_SIGNED", "CERT_FILE"), refused
    assert world.client().get("/api/v1/pki/anchors").json()["imported"] == []
