"""A fresh API world per test (section C), on SQLite and on PostgreSQL.

``make_world`` takes seconds (registrations, verification, a seal and a sealed document per
organisation), and pytest-xdist spreads the tests of one module over all workers. So the
world is built once as a template (SQLite: once per run, shared by the workers; PostgreSQL:
once per worker) and every test gets its own copy of it: the home folder copied, the
PostgreSQL database made with ``CREATE DATABASE ... TEMPLATE``. Tests are isolated from each
other (throttle counters, clock, sessions, users) yet cheap.

Use: ``from tests.acceptance import api_world`` and ``world = api_world.world`` in the test
module (an assignment rather than ``import world``, which ruff flags as F811 wherever a
test takes the ``world`` argument).
"""

from __future__ import annotations

import copy
import fcntl
import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from openseal.bootstrap import Wiring
from openseal.config import Settings
from tests.support.api import PASSWORD, Party, ShiftedClock, World, make_world, totp_now
from tests.support.pg import postgres_database

SESSION_COOKIE = "openseal_session"
DEVICE_COOKIE = "openseal_device"
LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"


class StoppableClock(ShiftedClock):
    """The test clock; ``stop()`` makes it stand still (then only ``advance`` moves it), for
    tests where real seconds passing between requests would change the answer."""

    def __init__(self) -> None:
        super().__init__()
        self.stopped_at: datetime | None = None

    def now(self) -> datetime:
        return (self.stopped_at or datetime.now(UTC)) + self.offset

    def stop(self) -> None:
        self.stopped_at = datetime.now(UTC)


@dataclass(frozen=True)
class Template:
    home: Path
    database_url: str | None
    parties: dict[str, Party]


_TEMPLATES: dict[str, Template] = {}


def _build(home: Path, url: str | None) -> Template:
    built = make_world(home, database_url=url)
    built.wiring.engine.dispose()  # no connection may stay open: SQLite files are copied,
    return Template(home, url, built.parties)  # a PostgreSQL template must be unused


def _shared_sqlite_template(factory: pytest.TempPathFactory) -> Template:
    """One SQLite template for the whole run: under pytest-xdist the first worker builds
    it in the run's shared temporary folder (under a file lock), the others reuse it."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run is None:
        return _build(factory.mktemp("world-template-sqlite") / "home", None)
    root = factory.getbasetemp().parent / f"world-template-sqlite-{run}"
    root.mkdir(exist_ok=True)
    with open(root / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        saved = root / "parties.json"
        if saved.exists():
            parties = {k: Party(**v) for k, v in json.loads(saved.read_text()).items()}
            return Template(root / "home", None, parties)
        built = _build(root / "home", None)
        saved.write_text(json.dumps({k: asdict(p) for k, p in built.parties.items()}))
        return built


def _template(request: pytest.FixtureRequest, backend: str) -> Template:
    """The template world on ``backend``, built on first use (a module-level cache, not a
    session fixture: test modules import only ``world``). A PostgreSQL template belongs to
    one worker, which drops it at the end of its session."""
    if backend not in _TEMPLATES:
        factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
        if backend == "sqlite":
            _TEMPLATES[backend] = _shared_sqlite_template(factory)
        else:
            stack = ExitStack()
            url = stack.enter_context(postgres_database())  # skips when not configured
            request.config.add_cleanup(stack.close)  # dropped at the end of the session
            home = factory.mktemp("world-template-postgresql") / "home"
            _TEMPLATES[backend] = _build(home, url)
    return _TEMPLATES[backend]


def _fill_from_template(target_url: str, template_url: str) -> None:
    """Replace the (empty) database of ``target_url`` by a copy of the template database."""
    target, source = make_url(target_url).database, make_url(template_url).database
    admin = create_engine(os.environ["OPENSEAL_TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{target}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{target}" TEMPLATE "{source}"'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """A world of its own for one test: a copy of the worker's template world."""
    url = None
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")  # a fresh database, dropped afterwards
    template = _template(request, request.param)
    if url is not None:
        assert template.database_url is not None
        _fill_from_template(url, template.database_url)
    home = tmp_path / "home"
    shutil.copytree(template.home, home)
    settings = Settings(home=home, database_url=url, audit_checkpoint_every=10_000)
    clock = StoppableClock()
    copied = World(Wiring(settings, clock=clock), clock, copy.deepcopy(template.parties))
    yield copied
    copied.wiring.engine.dispose()


# --- helpers ---------------------------------------------------------------------------------

def unique(prefix: str = "u") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def new_users(world: World, n: int = 1, key: str = "A", password: str = PASSWORD,
              role: str = "member") -> list[tuple[str, str]]:
    """``n`` new users of organisation ``key``, invited and accepted over HTTP:
    [(username, id)]."""
    admin = world.login(world.parties[key].admin)
    made = []
    for _ in range(n):
        name = unique()
        invited = admin.post("/api/v1/invitations", json={"email": f"{name}@example.com",
                                                          "role": role})
        assert invited.status_code == 201, invited.text
        accepted = world.client().post("/api/v1/invitations/accept", json={
            "token": invited.json()["token"], "username": name, "password": password})
        assert accepted.status_code == 201, accepted.text
        made.append((name, accepted.json()["id"]))
    return made


def new_user(world: World, key: str = "A", password: str = PASSWORD) -> tuple[str, str]:
    return new_users(world, 1, key, password)[0]


def enable_totp(world: World, username: str, password: str = PASSWORD
                ) -> tuple[str, list[str]]:
    """Enrol ``username`` in TOTP over HTTP: (secret, recovery codes). The clock then moves
    to the next 30-second step, so the next code is not the (used) enrolment code."""
    http = world.login(username, password)
    secret = http.post("/api/v1/auth/totp/setup").json()["secret"]
    confirmed = http.post("/api/v1/auth/totp/confirm",
                          json={"code": totp_now(secret, world.clock)})
    assert confirmed.status_code == 200, confirmed.text
    world.clock.advance(seconds=30)
    return secret, confirmed.json()["recovery_codes"]


def login_with_totp(world: World, username: str, secret: str) -> TestClient:
    return world.login(username, code=totp_now(secret, world.clock))


def session_rows(world: World, user_id: str) -> int:
    """How many sessions of ``user_id`` the database holds."""
    with world.wiring.engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM sessions WHERE user_id = :u"),
                                {"u": user_id}).scalar_one())


def set_cookies(answer: httpx.Response) -> dict[str, str]:
    """Each raw Set-Cookie header of ``answer`` by cookie name."""
    found = {}
    for raw in answer.headers.get_list("set-cookie"):
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(raw)
        for name in parsed:
            found[name] = raw
    return found


def cookie_value(answer: httpx.Response, name: str = SESSION_COOKIE) -> str:
    parsed: SimpleCookie = SimpleCookie()
    parsed.load(set_cookies(answer)[name])
    return parsed[name].value


def with_cookie(world: World, token: str) -> TestClient:
    """A browser holding only the session cookie ``token`` (no CSRF header)."""
    http = world.client()
    http.headers["Cookie"] = f"{SESSION_COOKIE}={token}"
    return http


def stop_clock(world: World) -> None:
    """Let time stand still for the rest of the test (``world.clock.advance`` still works)."""
    assert isinstance(world.clock, StoppableClock)
    world.clock.stop()


@contextmanager
def logs_in_home(world: World) -> Iterator[Path]:
    """Everything logged (any logger, DEBUG and up) while inside goes to a log file under
    the instance home, as a deployment's log would; yields its path."""
    path = world.wiring.settings.home / "logs" / "openseal.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


def files_containing(folder: Path, needles: dict[str, str]) -> list[tuple[str, str]]:
    """(file, name of needle) for every file under ``folder`` whose bytes contain a needle
    (UTF-8)."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found += [(str(path), what) for what, needle in needles.items()
                      if needle.encode() in data]
    return found


def audit(world: World, action: str | None = None) -> list[dict[str, Any]]:
    """``world.audit`` with the events typed for reading (details is a dict)."""
    return [dict(e) for e in world.audit(action)]
