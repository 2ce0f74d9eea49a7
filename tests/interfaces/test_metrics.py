"""/metrics parses as the Prometheus text format, and its counters move when seals are
applied, verifications made and log-ins fail; gauges tell certificate expiry, backup age
and the audit trail's state; every answer carries a request id."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from openseal.bootstrap import Wiring
from openseal.core.signing.service import SealerCache
from openseal.ops.backup import create_backup
from openseal.ops.jobs.catalogue import JobEnv, catalogue, run_job
from tests.support.api import World, make_world
from tests.support.approvals import seal_with
from tests.support.pdfs import reportlab_pdf

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("metrics") / "home")


def scrape(http: TestClient) -> Samples:
    answer = http.get("/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: Samples, name: str) -> float:
    return sum(v for (n, _), v in samples.items() if n == name)


def test_counters_move_when_a_seal_is_applied(world: World) -> None:
    party = world.parties["A"]
    member = world.login(party.member)
    before = scrape(world.client())
    answer = seal_with(member, party.seal_id, reportlab_pdf())
    assert answer.status_code == 200, answer.text
    after = scrape(world.client())
    labels = {"org": party.org_id, "seal": party.seal_id, "outcome": "success"}
    assert value(after, "openseal_seals_applied_total", **labels) == \
        value(before, "openseal_seals_applied_total", **labels) + 1
    assert value(after, "openseal_sealing_seconds_count", format="pdf") == \
        value(before, "openseal_sealing_seconds_count", format="pdf") + 1
    assert value(after, "openseal_tsa_tokens_total", purpose="seal") == \
        value(before, "openseal_tsa_tokens_total", purpose="seal") + 1

    verified = world.client().post("/api/v1/verify",
                                   files={"file": ("s.pdf", answer.content, "application/pdf")})
    assert verified.status_code == 200, verified.text
    again = scrape(world.client())
    assert value(again, "openseal_verifications_total", verdict="VALID") == \
        value(after, "openseal_verifications_total", verdict="VALID") + 1


def test_a_refused_seal_and_a_failed_login_are_counted(world: World) -> None:
    a, b = world.parties["A"], world.parties["B"]
    before = scrape(world.client())
    refused = seal_with(world.login(b.member), a.seal_id, reportlab_pdf())
    assert refused.status_code in (403, 404)
    bad = world.client().post("/api/v1/auth/login",
                              json={"username": a.member, "password": "wrong password 1"})
    assert bad.status_code == 401
    after = scrape(world.client())
    assert total(after, "openseal_login_failures_total") == \
        total(before, "openseal_login_failures_total") + 1
    assert total(after, "openseal_audit_events_total") > total(before,
                                                               "openseal_audit_events_total")
    assert value(after, "openseal_seals_applied_total", org=a.org_id, seal=a.seal_id,
                 outcome="success") == value(before, "openseal_seals_applied_total",
                                             org=a.org_id, seal=a.seal_id, outcome="success")


def test_gauges_tell_expiry_backup_age_and_the_audit_trail(world: World,
                                                           tmp_path: Path) -> None:
    first = scrape(world.client())
    roots = [v for (n, labels), v in first.items()
             if n == "openseal_certificate_expiry_days" and ("role", "root-ca") in labels]
    assert roots and all(7000 < d < 7400 for d in roots)  # a 20-year root, new
    assert value(first, "openseal_database_up") == 1
    assert value(first, "openseal_audit_chain_ok") == 1
    assert value(first, "openseal_audit_entries") > 0
    assert math.isinf(value(first, "openseal_backup_age_seconds"))  # never backed up
    create_backup(world.wiring, tmp_path / "b.osbak")
    later = scrape(world.client())
    assert 0 <= value(later, "openseal_backup_age_seconds") < 3600
    assert value(later, "openseal_audit_checkpoint_age_seconds") < 3600


def test_the_metrics_token_when_set(world: World) -> None:
    world.wiring.settings.metrics_token = SecretStr("scrape-me-please")
    try:
        http = world.client()
        assert http.get("/metrics").status_code == 401
        wrong = http.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and "Traceback" not in wrong.text
        right = http.get("/metrics", headers={"Authorization": "Bearer scrape-me-please"})
        assert right.status_code == 200 and "openseal_seals_applied_total" in right.text
    finally:
        world.wiring.settings.metrics_token = None


@pytest.mark.parametrize("given, kept", [("req-123.abc_XYZ", True), ("x" * 65, False),
                                         ("two words", False), ("", False)])
def test_every_answer_carries_a_request_id(world: World, given: str, kept: bool) -> None:
    answer = world.client().get("/healthz", headers={"X-Request-ID": given})
    echoed = answer.headers["x-request-id"]
    assert (echoed == given) is kept
    assert 1 <= len(echoed) <= 64 and " " not in echoed


def test_ocsp_answers_are_counted_by_status(world: World) -> None:
    from tests.interfaces.test_api_lifecycle import certs, ocsp_der

    party = world.parties["A"]
    admin = world.login(party.admin)
    seal_cert, org_ca = certs(admin, party.seal_id)
    before = scrape(world.client())
    http = world.client()
    for body in (ocsp_der(seal_cert, org_ca), b"not an ocsp request"):
        answer = http.post("/api/v1/pki/ocsp", content=body,
                           headers={"Content-Type": "application/ocsp-request"})
        assert answer.status_code == 200
    after = scrape(world.client())
    for status in ("good", "malformed_request"):
        assert value(after, "openseal_ocsp_responses_total", status=status) == \
            value(before, "openseal_ocsp_responses_total", status=status) + 1


def test_a_background_job_run_is_counted_by_outcome(world: World) -> None:
    jobs = catalogue(world.wiring.settings)
    env = JobEnv(world.wiring, SealerCache())
    before = scrape(world.client())
    assert run_job(jobs["crl.refresh"], env)["crls"] >= 2
    blocked = world.wiring.settings.home / "not-a-folder"
    blocked.write_text("a file where the backup folder should be")
    broken = JobEnv(Wiring(world.wiring.settings.model_copy(update={"backup_dir": blocked})),
                    SealerCache())
    with pytest.raises(OSError):
        run_job(jobs["backup"], broken)
    after = scrape(world.client())
    for job, outcome in (("crl.refresh", "done"), ("backup", "failed")):
        assert value(after, "openseal_jobs_total", job=job, outcome=outcome) == \
            value(before, "openseal_jobs_total", job=job, outcome=outcome) + 1


def test_the_grafana_dashboard_asks_only_for_metrics_that_exist(world: World) -> None:
    import json
    import re

    dashboard = Path(__file__).parents[2] / "deploy" / "grafana-openseal.json"
    exprs = [t["expr"] for p in json.loads(dashboard.read_text())["panels"]
             for t in p["targets"]]
    names = {re.sub(r"_(bucket|count|sum)$", "", n)
             for e in exprs for n in re.findall(r"openseal_[a-z_]+", e)}
    text = world.client().get("/metrics").text
    declared = set(re.findall(r"^# TYPE (openseal_[a-z_]+)", text, re.M))
    declared |= {re.sub(r"_total$", "", n) for n in declared}
    assert names and names <= declared | {n + "_total" for n in declared}, names - declared
