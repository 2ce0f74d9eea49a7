"""Schemathesis drives every documented operation from the OpenAPI schema: no 500, and every
response matches the schema (a bounded number of examples, no timing).

Two runs: anonymous (every route, so the refusals are checked too) and logged in as an
organisation administrator with a session cookie and CSRF token, so the authenticated
routes get past the login check. Operations that end the session or change the caller's own
credentials are left to the anonymous run, or the rest of the run would be logged out.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
)

from openseal.interfaces.api.app import create_app
from tests.support.api import make_world

schemathesis.serializer.alias("application/timestamp-query", "application/octet-stream")

_home = Path(tempfile.mkdtemp(prefix="openseal-fuzz-")) / "home"
_world = make_world(_home)
app = create_app(_world.wiring)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
_admin = _world.login(_world.parties["A"].admin)
LOGGED_IN = {"Cookie": f"openseal_session={_admin.cookies.get('openseal_session')}",
             "X-CSRF-Token": _admin.headers["X-CSRF-Token"]}
SELF_ENDING = ("/api/v1/auth/logout", "/api/v1/auth/logout-all", "/api/v1/auth/password",
               "/api/v1/auth/totp/", "/disable")
# The bodies include opaque binaries (a PDF, a DER TimeStampReq): any bytes fit the schema,
# so "schema-valid must be accepted / schema-invalid must be rejected" says nothing; what is
# checked is no 500, documented status codes, content types and shapes.
EXCLUDED = [negative_data_rejection, positive_data_acceptance]
FUZZ = settings(max_examples=15, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


@schema.parametrize()
@FUZZ
def test_api_never_500_and_matches_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(excluded_checks=EXCLUDED)


@schema.exclude(path_regex="|".join(SELF_ENDING)).parametrize()
@FUZZ
def test_api_logged_in_never_500_and_matches_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=LOGGED_IN, excluded_checks=EXCLUDED)
