"""Sealing OFD files as a product (issue 9, items 5 and 7): ``core.signing.ofd_service`` on a
real instance (SQLite and PostgreSQL), checked by the OFD verifier, by ``openssl`` (the SM2
signature over TBS_Sign, the RFC 3161 token over the signature value) and by the records."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from asn1crypto import cms

from openseal.core.ofd import ses
from openseal.core.ofd.chain_ext import ISSUERS_OID, read_issuers
from openseal.core.pki.anchors import sm2_verification_anchors
from openseal.core.pki.issuance import certificate_to_pem
from openseal.core.records import SealRecord
from openseal.core.seals.lifecycle import SealLifecycle
from openseal.core.seals.service import SealOrder, create_seal
from openseal.core.signing.approval import (
    APPROVAL_CHAIN_OID,
    approval_ext_data,
    read_approval_ext,
)
from openseal.core.signing.ofd_service import (
    OFD_LEVEL,
    OfdSealer,
    OfdSealRequest,
    ofd_sealer,
    ofd_stamps,
    seal_ofd_document,
)
from openseal.core.signing.service import SealedDocument
from openseal.core.verification import verify_document
from openseal.errors import Conflict, InvalidInput, OpenSealError
from openseal.interfaces.cli.operator import operator
from tests.support import openssl_sm2
from tests.support.instance import TestInstance
from tests.support.ofd import make_ofd, unzipped
from tests.support.tools import require_tool


def sm2_seal(instance: TestInstance, name: str = "SM2合同专用章") -> SealRecord:
    with instance.wiring.context() as c:
        return create_seal(c.repos, c.pki, c.clock,
                           SealOrder(instance.org.id, "contract", name, algorithm="sm2"),
                           c.settings.base_url, audit=c.audit)


def seal(instance: TestInstance, seal_id: str, data: bytes,
         request: OfdSealRequest | None = None) -> SealedDocument:
    with instance.wiring.context() as c:
        return seal_ofd_document(c.repos, c.pki, c.keystore, c.clock, instance.cache, seal_id,
                                 data, request or OfdSealRequest(), audit=c.audit,
                                 principal=operator(instance.org.id))


def refused(instance: TestInstance, seal_id: str, data: bytes,
            request: OfdSealRequest | None = None) -> OpenSealError:
    with instance.wiring.context() as c:
        before = c.repos.count_sealed_documents()
    with pytest.raises(OpenSealError) as caught:
        seal(instance, seal_id, data, request)
    with instance.wiring.context() as c:
        assert c.repos.count_sealed_documents() == before  # nothing recorded
    return caught.value


def signature_of(sealed: bytes) -> ses.EsSignature:
    files = unzipped(sealed)
    [name] = [n for n in files if n.endswith("SignedValue.dat")]
    return ses.read_signature(files[name])


def test_sealed_ofd_verifies_and_is_recorded(db_instance: TestInstance) -> None:
    s = sm2_seal(db_instance)
    data = make_ofd()
    done = seal(db_instance, s.id, data, OfdSealRequest(ofd_stamps(page=2, x_mm=120, y_mm=40)))
    r = done.record
    assert r.field_name == "s001" and r.input_sha256 == hashlib.sha256(data).hexdigest()
    assert r.output_sha256 == hashlib.sha256(done.pdf).hexdigest() == \
        hashlib.sha256(done.pdf).hexdigest() and r.output_size == len(done.pdf)
    with db_instance.wiring.context() as c:
        anchors = sm2_verification_anchors(c.pki)
        uses = [e for e, _ in c.repos.list_audit(action="seal.use")]
        (issued,) = c.repos.find_issued([r.output_sha256])
    assert issued.id == r.id and issued.seal_id == s.id
    (use,) = [e for e in uses if e.details["document"] == r.id]
    assert use.details["output_sha256"] == r.output_sha256 and use.details["page"] == 2
    assert use.details["field"] == "s001" and use.details["level"] == OFD_LEVEL
    report = verify_document(done.pdf, [], sm2_anchors=anchors).to_dict()
    assert report["verdict"] == "VALID", report
    [sig] = report["signatures"]
    assert sig["seal_name"] == s.name and sig["trusted"] and sig["approval"] is None
    assert sig["stamps"][0]["page"] == 2
    assert use.details["timestamp_serial"] is not None
    untrusted = verify_document(done.pdf, []).to_dict()
    assert untrusted["verdict"] == "INDETERMINATE"  # no SM2 root given


def test_signature_token_and_extensions(sealing_instance: TestInstance,
                                        tmp_path: Path) -> None:
    s = sm2_seal(sealing_instance, "SM2检查章")
    done = seal(sealing_instance, s.id, make_ofd())
    sig = signature_of(done.pdf)
    assert sig.signer_cert == read_der_cert(sealing_instance, s.cert_id)
    # openssl, independently: the SM2 signature over the TBS_Sign bytes as found
    openssl = openssl_sm2.openssl_sm2()
    (tmp_path / "cert.der").write_bytes(sig.signer_cert)
    public = subprocess.run([openssl, "x509", "-inform", "DER", "-in", str(tmp_path / "cert.der"),
                             "-pubkey", "-noout"], capture_output=True, check=True).stdout
    assert openssl_sm2.verify(public, sig.signed_bytes, sig.signature, tmp_path)
    assert not openssl_sm2.verify(public, sig.signed_bytes + b"x", sig.signature, tmp_path)
    # the timestamp token: over the signature value, SHA-256, by the instance TSA
    assert sig.timestamp is not None
    info = cms.ContentInfo.load(sig.timestamp)["content"]["encap_content_info"]["content"]
    imprint = info.parsed["message_imprint"]
    assert imprint["hash_algorithm"]["algorithm"].native == "sha256"
    assert imprint["hashed_message"].native == hashlib.sha256(sig.signature).digest()
    with sealing_instance.wiring.context() as c:
        tsa = c.pki.timestamp_authority().certificate
        tsa_chain = c.pki.chain(c.repos.get_instance().tsa_cert_id)  # type: ignore[union-attr]
    (tmp_path / "sig.bin").write_bytes(sig.signature)
    (tmp_path / "token.der").write_bytes(sig.timestamp)
    (tmp_path / "ca.pem").write_text("".join(certificate_to_pem(x) for x in tsa_chain))
    (tmp_path / "tsa.pem").write_text(certificate_to_pem(tsa))
    openssl_ts = require_tool("openssl")
    checked = subprocess.run(
        [openssl_ts, "ts", "-verify", "-data", str(tmp_path / "sig.bin"), "-in",
         str(tmp_path / "token.der"), "-token_in", "-CAfile", str(tmp_path / "ca.pem"),
         "-untrusted", str(tmp_path / "tsa.pem")], capture_output=True, text=True)
    assert checked.returncode == 0 and "Verification: OK" in checked.stdout, checked.stderr
    (tmp_path / "sig.bin").write_bytes(sig.signature[:-1] + b"\0")
    wrong = subprocess.run(
        [openssl_ts, "ts", "-verify", "-data", str(tmp_path / "sig.bin"), "-in",
         str(tmp_path / "token.der"), "-token_in", "-CAfile", str(tmp_path / "ca.pem"),
         "-untrusted", str(tmp_path / "tsa.pem")], capture_output=True, text=True)
    assert wrong.returncode != 0
    # extDatas: the seal certificate's issuer (the organisation's SM2 CA), no approval
    assert [oid for oid, _, _ in sig.ext_datas] == [ISSUERS_OID]
    with sealing_instance.wiring.context() as c:
        chain = [x.dump() for x in c.pki.chain(s.cert_id)]
    assert read_issuers(sig.ext_datas) == tuple(chain[:-1]) and read_approval_ext(
        sig.ext_datas) is None


def read_der_cert(instance: TestInstance, cert_id: str) -> bytes:
    with instance.wiring.context() as c:
        return bytes(c.pki.certificate(cert_id).dump())


def test_keyword_riding_and_lock(sealing_instance: TestInstance) -> None:
    s = sm2_seal(sealing_instance, "SM2骑缝章")
    request = OfdSealRequest(ofd_stamps(keyword="甲方（盖章）", cross_page=True), lock=True)
    done = seal(sealing_instance, s.id, make_ofd(pages=3), request)
    assert done.record.field_name == "s001"
    with sealing_instance.wiring.context() as c:
        anchors = sm2_verification_anchors(c.pki)
    report = verify_document(done.pdf, [], sm2_anchors=anchors).to_dict()
    assert report["verdict"] == "VALID", report
    pages = [st["page"] for st in report["signatures"][0]["stamps"]]
    assert pages == [3, 1, 2, 3]  # the keyword's page, then the riding seal on each page
    again = refused(sealing_instance, s.id, done.pdf)
    assert again.code == "OFD_LOCKED"
    second = seal(sealing_instance, s.id, seal(sealing_instance, s.id, make_ofd()).pdf)
    assert second.record.field_name != "s001"  # a second signature, after the first
    report = verify_document(second.pdf, [], sm2_anchors=anchors).to_dict()
    assert report["verdict"] == "VALID" and len(report["signatures"]) == 2


def test_refusals(sealing_instance: TestInstance) -> None:
    s = sm2_seal(sealing_instance, "SM2拒绝章")
    ecdsa = sealing_instance.seals["contract"]
    error = refused(sealing_instance, ecdsa.id, make_ofd())
    assert isinstance(error, InvalidInput) and error.code == "SEAL_ALGORITHM_OFD"
    assert "SM2" in error.en and "SM2" in error.zh
    assert refused(sealing_instance, s.id, b"%PDF-1.7 not an ofd").code == "OFD_NOT_ZIP"
    missing = OfdSealRequest(ofd_stamps(keyword="不存在的字"))
    assert refused(sealing_instance, s.id, make_ofd(), missing).code == "KEYWORD_NOT_FOUND"
    beyond = OfdSealRequest(ofd_stamps(page=9))
    assert isinstance(refused(sealing_instance, s.id, make_ofd(), beyond), InvalidInput)
    with sealing_instance.wiring.context() as c:
        SealLifecycle(c.repos, c.pki, c.keystore, c.clock, c.audit).suspend(s.id, "测试 test")
    error = refused(sealing_instance, s.id, make_ofd())
    assert isinstance(error, Conflict) and error.code == "SEAL_INACTIVE"


def test_sealer_is_built_once_per_seal(sealing_instance: TestInstance) -> None:
    s = sm2_seal(sealing_instance, "SM2缓存章")
    with sealing_instance.wiring.context() as c:
        first = ofd_sealer(sealing_instance.cache, s, c.pki, c.keystore)
        assert ofd_sealer(sealing_instance.cache, s, c.pki, c.keystore) is first
        assert isinstance(first, OfdSealer)
        sealing_instance.cache.forget(s.id)
        assert ofd_sealer(sealing_instance.cache, s, c.pki, c.keystore) is not first


def test_ext_datas_round_trip_in_tbs_sign() -> None:
    import io

    from PIL import Image

    from tests.support.ofd import sm2_world

    png = io.BytesIO()
    Image.new("RGBA", (40, 40), (230, 0, 0, 255)).save(png, "PNG")
    world = sm2_world(png.getvalue())
    chain = {"ticket": "t1", "requester": {"name": "clerk"}, "approvers": [{"name": "boss"}]}
    tbs = ses.tbs_sign_v4(world.seal, world.now, b"\1" * 32, "/Doc_0/Signs/Sign_0/Signature.xml",
                          [approval_ext_data(chain), ("1.2.3.4", True, b"\4\1x")])
    der = ses.signature_v4(tbs, world.signer, world.sign)
    read = ses.read_signature(der)
    assert read.ext_datas[0][0] == APPROVAL_CHAIN_OID and read.ext_datas[1] == (
        "1.2.3.4", True, b"\4\1x")
    assert read_approval_ext(read.ext_datas) == chain and ses.signature_valid(read)
    plain = ses.read_signature(ses.signature_v4(
        ses.tbs_sign_v4(world.seal, world.now, b"\1" * 32, "/x"), world.signer, world.sign))
    assert plain.ext_datas == ()
