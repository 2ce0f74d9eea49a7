"""The process's Prometheus instruments (counters and histograms).

With several worker processes (``openseal serve --workers N``) prometheus_client's
multiprocess mode is used: ``PROMETHEUS_MULTIPROC_DIR`` is set by ``serve`` before the
workers start, and a scrape adds up every worker's files (``scrape_registry``).
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.multiprocess import MultiProcessCollector

SEALS = Counter("openseal_seals_applied_total",
                "Seal applications by organisation, seal, format and outcome",
                ["org", "seal", "outcome"])
SEALING_SECONDS = Histogram("openseal_sealing_seconds",
                            "Time to seal one document at the API, from upload to answer",
                            ["format"],
                            buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
TSA_TOKENS = Counter("openseal_tsa_tokens_total",
                     "RFC 3161 timestamp tokens issued, by purpose", ["purpose"])
OCSP_ANSWERS = Counter("openseal_ocsp_responses_total",
                       "OCSP responses, by response status and certificate status",
                       ["status"])
VERIFICATIONS = Counter("openseal_verifications_total",
                        "Document verifications, by verdict", ["verdict"])
LOGIN_FAILURES = Counter("openseal_login_failures_total",
                         "Failed log-ins, by the reason recorded in the audit trail",
                         ["reason"])
JOBS = Counter("openseal_jobs_total", "Background jobs run, by job and outcome",
               ["job", "outcome"])
AUDIT_EVENTS = Counter("openseal_audit_events_total",
                       "Audit entries committed by this process, by action", ["action"])


def scrape_registry() -> CollectorRegistry | None:
    """A registry adding up every worker's files in multiprocess mode; None otherwise (then
    the default registry, this process's own instruments, is scraped)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry

HTTP_SECONDS = Histogram("openseal_http_request_seconds",
                         "HTTP requests by route template, method and status class",
                         ["route", "method", "status"],
                         buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
