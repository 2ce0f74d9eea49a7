"""Seals made elsewhere (issue 9, item 4): core/seals/importing.py.

A "licensed seal maker" (its own SM2 root, maker certificate and a signer certificate naming
the organisation) makes a v4 .esl; a licensed CA issues a PKCS#12. Imported, they are
ordinary seals: they seal OFD and PDF files that verify, obey grants and the lifecycle."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509

from openseal.core.accounts.principal import Forbidden, Principal
from openseal.core.clock import FixedClock
from openseal.core.gm import sm2
from openseal.core.gm.keys import private_key_info
from openseal.core.governance.authorize import authorize
from openseal.core.ofd.ses import SealPicture, read_seal
from openseal.core.ofd.sign import OfdStamp, seal_ofd
from openseal.core.records import OrganizationProfile, SealRecord
from openseal.core.seals.importing import Imported, import_esl_seal, import_p12_seal
from openseal.core.seals.lifecycle import SealLifecycle
from openseal.core.seals.service import SealOrder, create_seal, seal_esl
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.placement import Placement
from openseal.core.signing.service import SealerCache, seal_document
from openseal.core.verification import verify_document
from openseal.errors import Conflict, OpenSealError
from openseal.interfaces.cli.operator import operator
from tests.support import openssl_sm2
from tests.support.imported_seals import (
    MAKER_NAME,
    MadeSeal,
    ca_p12,
    digest_seal,
    licensed_ca,
    licensed_seal,
    seal_png,
)
from tests.support.instance import ORG_NAME, ORG_USCC, TestInstance
from tests.support.ofd import make_ofd
from tests.support.tools import require_tool

SAMPLES = Path("/work/shared/testdata/ofd")
PASSWORD = b"s3cret-\xe5\xaf\x86\xe7\xa0\x81"


def esl_import(instance: TestInstance, esl: bytes, key: bytes, password: bytes | None = None,
               clock: Any = None, **options: Any) -> Imported:
    with instance.wiring.context() as c:
        return import_esl_seal(c.repos, c.keystore, clock or c.clock, instance.org.id, esl,
                               key, password, audit=c.audit, principal=operator(None),
                               **options)


def p12_import(instance: TestInstance, data: bytes, password: bytes | None,
               **options: Any) -> Imported:
    with instance.wiring.context() as c:
        return import_p12_seal(c.repos, c.keystore, c.clock, instance.org.id, data, password,
                               seal_type=options.pop("seal_type", "contract"),
                               name=options.pop("name", None), audit=c.audit,
                               principal=operator(None), **options)


def stored(instance: TestInstance) -> tuple[int, int, int]:
    """(seals, certificates, key files): what a refusal must leave unchanged."""
    with instance.wiring.context() as c:
        seals, certs = len(c.repos.list_seals()), len(c.repos.list_certificates())
    keys = len(list((instance.wiring.settings.home / "keys").glob("*.key")))
    return seals, certs, keys


def refused(instance: TestInstance, code: str, call: Any) -> OpenSealError:
    before = stored(instance)
    with pytest.raises(OpenSealError) as caught:
        call()
    assert caught.value.code == code, (caught.value.code, caught.value.en)
    assert stored(instance) == before
    return caught.value


def audit_entries(instance: TestInstance, action: str) -> list[dict[str, Any]]:
    with instance.wiring.context() as c:
        return [{"outcome": e.outcome, **e.details} for e, _ in c.repos.list_audit(action=action)]


def made(**options: Any) -> MadeSeal:
    return licensed_seal(ORG_NAME, ORG_USCC, **options)


# ------------------------------------------------------------------ the .esl, end to end


def test_imported_esl_seal_seals_an_ofd_that_verifies_and_names_the_maker(
        db_instance: TestInstance) -> None:
    seal = made(es_id="350100" + "ab" * 13)  # 32 characters, under our division code
    done = esl_import(db_instance, seal.esl, seal.pkcs8)
    record = done.seal
    assert (record.origin, record.algorithm, record.es_id) == ("imported", "sm2", seal.es_id)
    assert record.maker is not None and MAKER_NAME in record.maker
    assert record.design.seal_type.value == "contract" and record.name == "合同专用章"
    assert seal_esl(record) == seal.esl  # export-esl gives back the imported bytes
    assert not done.name_mismatch and done.certificate.der == seal.signer
    with db_instance.wiring.context() as c:
        listed = {s.id: s for s in c.repos.list_seals(db_instance.org.id)}
        assert listed[record.id].origin == "imported" and listed[record.id].maker == record.maker
        sign = lambda data: c.keystore.sign_raw(record.key_id, data, "sm3")  # noqa: E731
    sealed = seal_ofd(make_ofd(1), seal=record.esl or b"", signer_cert=done.certificate.der,
                      sign=sign, stamps=[OfdStamp(page=1)], signed_at=datetime.now(UTC))
    report = verify_document(sealed, [], filename="x.ofd", sm2_anchors=[seal.root]).to_dict()
    assert report["verdict"] == "VALID", report
    assert MAKER_NAME in report["signatures"][0]["seal"]["maker"]
    untrusted = verify_document(sealed, [], filename="x.ofd").to_dict()
    assert untrusted["verdict"] == "INDETERMINATE"  # the maker's root is not ours
    with db_instance.wiring.context() as c:  # our own esIDs go on, 14 digits
        own = create_seal(c.repos, c.pki, c.clock, SealOrder(db_instance.org.id, "finance",
                          "财务专用章", algorithm="sm2"), "https://seal.example", audit=c.audit)
    assert own.es_id == "35010000000001" and own.origin == "platform"
    [entry] = audit_entries(db_instance, "seal.import")
    assert entry["es_id"] == seal.es_id and MAKER_NAME in entry["maker"]
    assert entry["cert_serial"] == done.certificate.serial_hex and len(entry["key_sha256"]) == 64
    text = json.dumps(entry)
    assert seal.key[0].hex() not in text and "PRIVATE" not in text


def test_key_files_pkcs8_pem_encrypted_and_pkcs12(fresh_instance: TestInstance,
                                                  tmp_path: Path) -> None:
    """An encrypted PKCS#8 and a PKCS#12 made by openssl; a wrong password is named."""
    seal = made()
    (tmp_path / "key.pem").write_bytes(seal.pem_key())
    (tmp_path / "cert.pem").write_bytes(seal.pem_cert())
    (tmp_path / "pw").write_bytes(PASSWORD)
    openssl_sm2.run("pkcs8", "-topk8", "-in", tmp_path / "key.pem", "-passout",
                    f"file:{tmp_path / 'pw'}", "-out", tmp_path / "enc.pem")
    encrypted = (tmp_path / "enc.pem").read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in encrypted
    wrong = refused(fresh_instance, "SM2_KEY_PASSWORD",
                    lambda: esl_import(fresh_instance, seal.esl, encrypted, b"wrong"))
    assert "password" in wrong.en
    refused(fresh_instance, "SM2_KEY_PASSWORD",
            lambda: esl_import(fresh_instance, seal.esl, encrypted, None))
    openssl_sm2.run("pkcs12", "-export", "-inkey", tmp_path / "key.pem", "-in",
                    tmp_path / "cert.pem", "-passout", f"file:{tmp_path / 'pw'}", "-out",
                    tmp_path / "seal.p12")
    p12 = (tmp_path / "seal.p12").read_bytes()
    refused(fresh_instance, "SM2_KEY_PASSWORD",
            lambda: esl_import(fresh_instance, seal.esl, p12, b"wrong"))
    done = esl_import(fresh_instance, seal.esl, p12, PASSWORD)
    assert done.certificate.der == seal.signer
    second = made(es_id="35010099000002")
    (tmp_path / "key2.pem").write_bytes(second.pem_key())
    openssl_sm2.run("pkcs8", "-topk8", "-in", tmp_path / "key2.pem", "-passout",
                    f"file:{tmp_path / 'pw'}", "-out", tmp_path / "enc2.pem")
    assert esl_import(fresh_instance, second.esl, (tmp_path / "enc2.pem").read_bytes(),
                      PASSWORD).seal.es_id == second.es_id
    third = made(es_id="35010099000003")
    assert esl_import(fresh_instance, third.esl, third.pem_key()).seal.origin == "imported"


def test_the_signer_is_found_among_several_certificates(fresh_instance: TestInstance) -> None:
    seal = made(extra_signers=2)
    assert len(read_seal(seal.esl).signer_certs) == 3
    assert esl_import(fresh_instance, seal.esl, seal.pkcs8).certificate.der == seal.signer


def test_a_seal_listing_digests_needs_the_certificate(fresh_instance: TestInstance) -> None:
    seal = made()
    esl = digest_seal(seal)
    assert read_seal(esl).cert_list_type == 2 and not read_seal(esl).signer_certs
    refused(fresh_instance, "SES_CERT_NEEDED",
            lambda: esl_import(fresh_instance, esl, seal.pkcs8))
    stranger = made(es_id="35010099000007")
    refused(fresh_instance, "SES_CERT_NOT_IN_SEAL",
            lambda: esl_import(fresh_instance, esl, seal.pkcs8, cert=stranger.pem_cert()))
    done = esl_import(fresh_instance, esl, seal.pkcs8, cert=seal.pem_cert())
    assert done.certificate.der == seal.signer and seal_esl(done.seal) == esl


def test_a_sandbox_organisation_cannot_import(fresh_instance: TestInstance) -> None:
    with fresh_instance.wiring.context() as c:
        c.repos.save_org_profile(OrganizationProfile(
            fresh_instance.org.id, "unverified", "张三", "李四", "a@example.com", None, False,
            None))
    seal = made()
    refused(fresh_instance, "SEAL_IMPORT_SANDBOX",
            lambda: esl_import(fresh_instance, seal.esl, seal.pkcs8))


# ------------------------------------------------------------------ refusals


def test_a_broken_maker_signature_is_refused_and_nothing_stored(
        fresh_instance: TestInstance) -> None:
    seal = made()
    picture = read_seal(seal.esl).picture.data
    at = seal.esl.index(picture) + len(picture) // 2
    broken = seal.esl[:at] + bytes([seal.esl[at] ^ 0x01]) + seal.esl[at + 1:]
    refused(fresh_instance, "SES_SEAL_SIGNATURE_INVALID",
            lambda: esl_import(fresh_instance, broken, seal.pkcs8))
    refused(fresh_instance, "SES_FORMAT",
            lambda: esl_import(fresh_instance, b"not a seal", seal.pkcs8))


def test_a_key_in_no_certificate_of_the_seal_is_refused(fresh_instance: TestInstance) -> None:
    seal = made()
    stranger = private_key_info(*sm2.generate())
    error = refused(fresh_instance, "SES_KEY_NOT_IN_SEAL",
                    lambda: esl_import(fresh_instance, seal.esl, stranger))
    assert "key not in the seal" in error.en and "密钥不在印章中" in error.zh


def test_expired_and_future_seals_are_refused(fresh_instance: TestInstance) -> None:
    old = made(valid_days=(-400, -10))
    error = refused(fresh_instance, "SES_SEAL_EXPIRED",
                    lambda: esl_import(fresh_instance, old.esl, old.pkcs8))
    assert "expired" in error.en
    future = made(valid_days=(10, 400))
    refused(fresh_instance, "SES_SEAL_NOT_YET_VALID",
            lambda: esl_import(fresh_instance, future.esl, future.pkcs8))


def test_a_certificate_of_another_organisation_is_refused_unless_allowed(
        fresh_instance: TestInstance) -> None:
    other = made(cert_org="另一家有限公司", cert_uscc="91110000100000589A")
    error = refused(fresh_instance, "SEAL_CERT_OTHER_ORG",
                    lambda: esl_import(fresh_instance, other.esl, other.pkcs8))
    assert ORG_USCC in error.en and "--allow-name-mismatch" in error.en
    done = esl_import(fresh_instance, other.esl, other.pkcs8, allow_name_mismatch=True)
    assert done.name_mismatch
    assert audit_entries(fresh_instance, "seal.import")[-1]["name_mismatch"] is True
    same_name = made(cert_uscc="91110000100000589A", es_id="35010099000009")
    assert not esl_import(fresh_instance, same_name.esl, same_name.pkcs8).name_mismatch


def test_importing_the_same_seal_twice_is_refused(fresh_instance: TestInstance) -> None:
    seal = made()
    esl_import(fresh_instance, seal.esl, seal.pkcs8)
    refused(fresh_instance, "SEAL_ALREADY_IMPORTED",
            lambda: esl_import(fresh_instance, seal.esl, seal.pkcs8))


def test_the_real_ofdrw_seal_is_expired_and_its_key_is_not_ours(
        fresh_instance: TestInstance) -> None:
    path = SAMPLES / "UserV4.esl"
    if not path.exists():
        pytest.skip(f"sample {path} is not available")
    esl = path.read_bytes()
    key = private_key_info(*sm2.generate())
    error = refused(fresh_instance, "SES_SEAL_EXPIRED",
                    lambda: esl_import(fresh_instance, esl, key))
    assert "2022-04-22" in error.en
    in_2021 = FixedClock(datetime(2021, 6, 1, tzinfo=UTC))
    error = refused(fresh_instance, "SES_KEY_NOT_IN_SEAL",
                    lambda: esl_import(fresh_instance, esl, key, clock=in_2021))
    assert "key not in the seal" in error.en


def test_a_vector_picture_is_kept_in_the_esl_with_a_placeholder_image(
        fresh_instance: TestInstance) -> None:
    vector = SealPicture("ofd", make_ofd(1), 42, 42)
    seal = made(picture=vector, seal_type=1, name="公章")
    record = esl_import(fresh_instance, seal.esl, seal.pkcs8).seal
    assert record.design.seal_type.value == "official"
    assert record.artwork.png.startswith(b"\x89PNG") and record.artwork.width_mm == 42
    assert read_seal(seal_esl(record)).picture == vector
    gif = made(picture=SealPicture("GIF", _gif(), 30, 30), seal_type=77,
               es_id="35010099000005")
    record = esl_import(fresh_instance, gif.esl, gif.pkcs8).seal
    assert record.design.seal_type.value == "custom" and record.artwork.png.startswith(b"\x89PNG")


def _gif() -> bytes:
    import io

    from PIL import Image
    out = io.BytesIO()
    Image.open(io.BytesIO(seal_png(60))).convert("P").save(out, "GIF")
    return out.getvalue()


# ------------------------------------------------------------------ ordinary seals


def test_imported_seals_obey_grants_and_the_lifecycle(fresh_instance: TestInstance) -> None:
    seal = made()
    record = esl_import(fresh_instance, seal.esl, seal.pkcs8).seal
    clerk = Principal("user", "u-1", "clerk", fresh_instance.org.id, "member",
                      frozenset({"seals:use", "seals:view"}), roles=frozenset({"seal_user"}))
    with fresh_instance.wiring.context() as c:
        with pytest.raises(Forbidden):  # no grant on the imported seal
            authorize(c.repos, clerk, "seals:use", record, now=c.clock.now())
    with fresh_instance.wiring.context() as c:
        life = SealLifecycle(c.repos, c.pki, c.keystore, c.clock, c.audit)
        assert life.suspend(record.id, "挂失").seal.status == "suspended"
        assert life.resume(record.id, "找到").seal.status == "active"
        with pytest.raises(Conflict) as renew:
            life.renew(record.id, "续期", "https://seal.example")
        assert renew.value.code == "SEAL_IMPORTED_RENEW"
    with fresh_instance.wiring.context() as c:
        life = SealLifecycle(c.repos, c.pki, c.keystore, c.clock, c.audit)
        assert life.revoke(record.id, "停用").seal.status == "revoked"
        assert c.repos.get_certificate(record.cert_id).revoked_at is not None  # type: ignore[union-attr]


# ------------------------------------------------------------------ PKCS#12 (PDF seals)


@pytest.mark.parametrize("algorithm", ["ecdsa", "rsa"])
def test_a_pkcs12_seals_a_pdf_that_verifies_with_the_ca_root(
        db_instance: TestInstance, sample_pdf: bytes, tmp_path: Path, algorithm: str) -> None:
    ca = licensed_ca()
    done = p12_import(db_instance, ca_p12(ca, ORG_NAME, ORG_USCC, PASSWORD,
                                          rsa_key=algorithm == "rsa"), PASSWORD,
                      name=f"CA合同专用章-{algorithm}")
    record: SealRecord = done.seal
    assert (record.origin, record.algorithm) == ("imported", algorithm)
    with db_instance.wiring.context() as c:
        [entry] = [e for e, _ in c.repos.list_audit(action="seal.import")
                   if e.target == f"seal:{record.id}"]
    assert entry.details["algorithm"] == algorithm
    assert record.maker is not None and "Licensed Test CA Root" in record.maker
    with db_instance.wiring.context() as c:
        chain = c.pki.chain(record.cert_id)
        assert [x.dump() for x in chain] == [ca.root.public_bytes(_der())]
        sealed = seal_document(c.repos, c.pki, c.keystore, c.clock, SealerCache(), record.id,
                               sample_pdf, SealRequest(Placement(1, None, None, None), None, None),
                               audit=c.audit, principal=operator(db_instance.org.id)).pdf
    root = asn1_x509.Certificate.load(ca.root.public_bytes(_der()))
    trusted = verify_document(sealed, [root, *db_instance.roots], filename="x.pdf").to_dict()
    sig = trusted["signatures"][0]
    assert sig["intact"] and sig["valid"] and sig["trusted"], sig
    assert trusted["verdict"] == "VALID", trusted["signatures"][0].get("reasons", trusted)
    untrusted = verify_document(sealed, list(db_instance.roots), filename="x.pdf").to_dict()
    assert not untrusted["signatures"][0]["trusted"]
    pdfsig = require_tool("pdfsig")
    (tmp_path / "sealed.pdf").write_bytes(sealed)
    out = subprocess.run([pdfsig, "-nocert", str(tmp_path / "sealed.pdf")],
                         capture_output=True, text=True, check=False).stdout
    assert "Signature is Valid" in out, out


def test_a_second_pkcs12_from_the_same_ca_reuses_its_root(fresh_instance: TestInstance) -> None:
    ca = licensed_ca()
    first = p12_import(fresh_instance, ca_p12(ca, ORG_NAME, ORG_USCC, PASSWORD), PASSWORD)
    second = p12_import(fresh_instance, ca_p12(ca, ORG_NAME, ORG_USCC, PASSWORD,
                                               common_name="财务专用章"), PASSWORD,
                        seal_type="finance")
    assert first.certificate.issuer_id == second.certificate.issuer_id is not None
    assert second.seal.name == "财务专用章"


def test_pkcs12_refusals(fresh_instance: TestInstance) -> None:
    ca = licensed_ca()
    good = ca_p12(ca, ORG_NAME, ORG_USCC, PASSWORD)
    refused(fresh_instance, "P12_PASSWORD", lambda: p12_import(fresh_instance, good, b"wrong"))
    weak_rsa = ca_p12(ca, ORG_NAME, ORG_USCC, PASSWORD, rsa_key=True, rsa_bits=1024)
    error = refused(fresh_instance, "KEY_RSA_TOO_SMALL",
                    lambda: p12_import(fresh_instance, weak_rsa, PASSWORD))
    assert "1024 bits" in error.en and "2048" in error.en
    assert "1024 位" in error.zh and "至少需要 2048 位" in error.zh
    other = ca_p12(ca, "另一家有限公司", "91110000100000589A", PASSWORD)
    refused(fresh_instance, "SEAL_CERT_OTHER_ORG",
            lambda: p12_import(fresh_instance, other, PASSWORD))
    refused(fresh_instance, "SEAL_TYPE",
            lambda: p12_import(fresh_instance, good, PASSWORD, seal_type="round"))


def _der() -> Any:
    from cryptography.hazmat.primitives.serialization import Encoding
    return Encoding.DER


def test_record_defaults_keep_old_seals_platform_made(fresh_instance: TestInstance) -> None:
    seal = fresh_instance.seals["contract"]
    assert (seal.origin, seal.maker) == ("platform", None)
    assert replace(seal, origin="imported").origin == "imported"
