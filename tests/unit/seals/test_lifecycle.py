"""The seal lifecycle: every transition, every refused one, audit, keys, renewal, expiry."""

from __future__ import annotations

import pytest

from openseal.core.seals.lifecycle import SealLifecycle, Transition
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.service import SealerCache, seal_document
from openseal.core.verification import verify_pdf
from openseal.core.verification.policy import local_revocation_policy
from openseal.errors import Conflict, InvalidInput, NotFound
from openseal.interfaces.cli.operator import operator
from tests.support.instance import TestInstance
from tests.support.pdfs import reportlab_pdf


def act(instance: TestInstance, action: str, *args: str) -> Transition:
    with instance.wiring.context() as c:
        life = SealLifecycle(c.repos, c.pki, c.keystore, c.clock, c.audit)
        return getattr(life, action)(instance.seals["contract"].id, *args)  # type: ignore[no-any-return]


def audit(instance: TestInstance, action: str) -> list[dict[str, object]]:
    with instance.wiring.context() as c:
        return [e.to_export() for e, _ in c.repos.list_audit(action=action)]


def seal_with(instance: TestInstance, cache: SealerCache | None = None) -> bytes:
    with instance.wiring.context() as c:
        return seal_document(c.repos, c.pki, c.keystore, c.clock, cache or SealerCache(),
                             instance.seals["contract"].id, reportlab_pdf(), SealRequest(),
                             audit=c.audit, principal=operator(instance.org.id)).pdf


ARGS = {"suspend": ("lost",), "resume": ("found",), "revoke": ("gone", "superseded"),
        "destroy": ("shredded",), "renew": ("expiring",)}
# action -> how to get the seal into each state first
PATHS = {"active": [], "suspended": ["suspend"], "revoked": ["revoke"],
         "destroyed": ["revoke", "destroy"]}
REFUSED = [("suspend", "suspended"), ("suspend", "revoked"), ("suspend", "destroyed"),
           ("resume", "active"), ("resume", "revoked"), ("resume", "destroyed"),
           ("revoke", "revoked"), ("revoke", "destroyed"),
           ("destroy", "active"), ("destroy", "suspended"), ("destroy", "destroyed"),
           ("renew", "suspended"), ("renew", "revoked"), ("renew", "destroyed")]


@pytest.mark.parametrize(("action", "state"), REFUSED)
def test_refused_transitions_name_the_current_state(fresh_instance: TestInstance,
                                                    action: str, state: str) -> None:
    for step in PATHS[state]:
        act(fresh_instance, step, *ARGS[step])
    events = len(audit(fresh_instance, f"seal.{action}"))
    extra = ("http://localhost:8000",) if action == "renew" else ()
    with pytest.raises(Conflict) as caught:
        act(fresh_instance, action, *ARGS[action], *extra)
    error = caught.value
    assert error.code == "SEAL_STATE" and error.fields["state"] == state
    assert f"is {state}" in error.en and "当前状态为" in error.zh
    assert len(audit(fresh_instance, f"seal.{action}")) == events  # nothing happened


def test_suspend_resume_revoke_destroy_with_audit(fresh_instance: TestInstance) -> None:
    done = act(fresh_instance, "suspend", "  seal reported lost  ")
    assert (done.before, done.seal.status, done.reason) == ("active", "suspended",
                                                            "seal reported lost")
    with pytest.raises(Conflict):
        seal_with(fresh_instance)  # uses refused while suspended
    assert act(fresh_instance, "resume", "found").seal.status == "active"
    seal_with(fresh_instance)
    assert act(fresh_instance, "suspend", "lost again").seal.status == "suspended"
    assert act(fresh_instance, "revoke", "gone", "key_compromise").seal.status == "revoked"
    key_id = fresh_instance.seals["contract"].key_id
    done = act(fresh_instance, "destroy", "end of life")
    assert done.seal.status == "destroyed" and done.seal.id == fresh_instance.seals[
        "contract"].id
    with fresh_instance.wiring.context() as c, pytest.raises(NotFound):
        c.keystore.public_key(key_id)
    assert not (fresh_instance.wiring.settings.keys_dir / f"{key_id}.key").exists()
    events = [(e["action"], e["details"]["before"], e["details"]["after"])  # type: ignore[index]
              for name in ("suspend", "resume", "revoke", "destroy")
              for e in audit(fresh_instance, f"seal.{name}")]
    assert sorted(events) == sorted([
        ("seal.suspend", "active", "suspended"), ("seal.resume", "suspended", "active"),
        ("seal.suspend", "active", "suspended"), ("seal.revoke", "suspended", "revoked"),
        ("seal.destroy", "revoked", "destroyed")])
    (revoke_event,) = audit(fresh_instance, "seal.revoke")
    assert revoke_event["details"]["reason_code"] == "key_compromise"  # type: ignore[index]
    assert audit(fresh_instance, "crl.issue")


def test_reasons_are_required_and_codes_checked(fresh_instance: TestInstance) -> None:
    for blank in ("", "   ", "x" * 501):
        with pytest.raises(InvalidInput):
            act(fresh_instance, "suspend", blank)
    with pytest.raises(InvalidInput):
        act(fresh_instance, "revoke", "why", "certificate_hold")  # holds are suspensions
    with pytest.raises(InvalidInput):
        act(fresh_instance, "revoke", "why", "ca_compromise")
    with pytest.raises(NotFound), fresh_instance.wiring.context() as c:
        SealLifecycle(c.repos, c.pki, c.keystore, c.clock, c.audit).suspend("nope", "why")
    assert act(fresh_instance, "suspend", "now").seal.status == "suspended"


def test_renew_keeps_the_seal_and_supersedes_the_certificate(
        fresh_instance: TestInstance) -> None:
    seal = fresh_instance.seals["contract"]
    earlier = seal_with(fresh_instance)
    done = act(fresh_instance, "renew", "certificate expiring", "https://seal.example.cn")
    new = done.seal
    assert (new.id, new.name, new.org_id, new.status) == (seal.id, seal.name, seal.org_id,
                                                         "active")
    assert new.cert_id != seal.cert_id and new.key_id != seal.key_id  # a new key pair
    with fresh_instance.wiring.context() as c:
        assert c.repos.revocation_of(seal.cert_id) is None  # superseded, not revoked
        cert = c.pki.certificate(new.cert_id)
        crls = local_revocation_policy(c.pki.revocation_lists())
    urls = [p["distribution_point"].native for p in cert.crl_distribution_points]
    assert urls == [[f"https://seal.example.cn/api/v1/pki/crl/{seal.org_id}.crl"]]
    assert cert.ocsp_urls == ["https://seal.example.cn/api/v1/pki/ocsp"]
    later = seal_with(fresh_instance)
    for sealed in (earlier, later):
        assert verify_pdf(sealed, fresh_instance.roots, policy=crls).verdict == "VALID"
    (event,) = audit(fresh_instance, "seal.renew")
    assert event["details"]["old_cert"] == seal.cert_id  # type: ignore[index]
    # revoking the seal revokes its earlier certificate as well; destroying it, both keys
    act(fresh_instance, "revoke", "retired", "cessation_of_operation")
    with fresh_instance.wiring.context() as c:
        assert c.repos.revocation_of(seal.cert_id) is not None
        assert c.repos.revocation_of(new.cert_id) is not None
    assert act(fresh_instance, "destroy", "end").seal.status == "destroyed"
    (event,) = audit(fresh_instance, "seal.destroy")
    assert event["details"]["keys_destroyed"] == 2  # type: ignore[index]


def test_expiring_lists_active_seals_soonest_first(fresh_instance: TestInstance) -> None:
    with fresh_instance.wiring.context() as c:
        life = SealLifecycle(c.repos, c.pki, c.keystore, c.clock, c.audit)
        assert life.expiring(30) == []
        (soon,) = life.expiring(3 * 366)
        assert soon.seal.id == fresh_instance.seals["contract"].id
        assert life.expiring(3 * 366, org_id="another-org") == []
        for bad in (-1, 100_000):
            with pytest.raises(InvalidInput):
                life.expiring(bad)
    act(fresh_instance, "suspend", "lost")
    with fresh_instance.wiring.context() as c:
        life = SealLifecycle(c.repos, c.pki, c.keystore, c.clock, c.audit)
        assert life.expiring(3 * 366) == []  # only seals still in use


def test_lifecycle_on_postgresql_and_sqlite(db_instance: TestInstance) -> None:
    act(db_instance, "suspend", "lost")
    act(db_instance, "resume", "found")
    act(db_instance, "renew", "rotate", "http://localhost:8000")
    act(db_instance, "revoke", "gone")
    assert act(db_instance, "destroy", "end").seal.status == "destroyed"
    with db_instance.wiring.context() as c:
        org_ca = c.pki.crl_issuer(db_instance.org.id)
        # CRL 1 was the one before any change; suspend, resume and revoke published 2, 3, 4
        assert c.repos.latest_crl(org_ca.id).number == 4  # type: ignore[union-attr]
