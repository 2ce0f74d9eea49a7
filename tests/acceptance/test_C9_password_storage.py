"""C9 password_storage: passwords are stored as argon2id (m >= 19 MiB, t >= 2, p = 1) with a
unique salt, re-hashed at the next login when the parameters go up, and never kept in clear:
not in any table or column, not in any file under the instance home (database files, logs,
keys, witness checkpoints), not in the audit trail.
"""

from __future__ import annotations

import json
import re
import secrets

from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from openseal.bootstrap import Wiring
from openseal.config import Settings
from openseal.interfaces.api.app import create_app
from tests.acceptance import api_world
from tests.acceptance.api_world import (
    LOGIN,
    audit,
    files_containing,
    logs_in_home,
    new_user,
    new_users,
    unique,
)
from tests.support.api import BASE, PASSWORD, World

world = api_world.world  # the fixture each test takes (sqlite, postgresql)

ARGON2ID = re.compile(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$"
                      r"([A-Za-z0-9+/]+)")


def _canary() -> str:
    """A password nobody else uses, so finding it anywhere means it leaked."""
    return f"Canary {secrets.token_hex(8)} horse"


def _hash_of(world: World, user_id: str) -> str:
    with world.wiring.engine.connect() as conn:
        return str(conn.execute(text("SELECT password_hash FROM users WHERE id = :u"),
                                {"u": user_id}).scalar_one())


def _parts(stored: str) -> tuple[int, int, int, str, str]:
    match = ARGON2ID.fullmatch(stored)
    assert match, f"not an argon2id hash: {stored[:20]}..."
    m, t, p, salt, digest = match.groups()
    return int(m), int(t), int(p), salt, digest


def test_C9_argon2id_parameters_and_unique_salts(world: World) -> None:
    password = _canary()
    (_, first), (_, second) = new_users(world, 2, password=password)
    hashes = [_hash_of(world, first), _hash_of(world, second)]
    for stored in hashes:
        assert stored.startswith("$argon2id$")
        m, t, p, salt, digest = _parts(stored)
        assert m >= 19_456 and t >= 2 and p == 1, (m, t, p)
        assert len(salt) >= 22 and len(digest) >= 43  # >= 16-byte salt, >= 32-byte hash
    # the same password, two users: different salts, different hashes
    assert _parts(hashes[0])[3] != _parts(hashes[1])[3]
    assert _parts(hashes[0])[4] != _parts(hashes[1])[4]

    with world.wiring.engine.connect() as conn:
        every = conn.execute(text("SELECT username, password_hash FROM users")).all()
    assert len(every) >= 7  # platform, two admins, two members, the two new users
    for username, stored in every:
        m, t, p, _, _ = _parts(stored)
        assert m >= 19_456 and t >= 2 and p == 1, username


def _database_hits(world: World, needle: str) -> list[str]:
    """Every table.column holding ``needle`` in any text or bytes value."""
    hits = []
    raw = needle.encode()
    with world.wiring.engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        assert {"users", "sessions", "audit_events", "invitations"} <= set(tables)
        for table in tables:
            columns = [c["name"] for c in inspect(conn).get_columns(table)]
            for row in conn.execute(text(f'SELECT * FROM "{table}"')).all():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, memoryview):
                        value = bytes(value)
                    if (isinstance(value, str) and needle in value) or \
                            (isinstance(value, bytes) and raw in value):
                        hits.append(f"{table}.{column}")
    return hits


def test_C9_no_plaintext_password_anywhere(world: World) -> None:
    """Every way a password reaches the server: invitation accepted, login, wrong login
    (for a known and an unknown name), password change, turning 2FA off."""
    first, second, typo = _canary(), _canary(), _canary()
    with logs_in_home(world) as log:
        name, _ = new_user(world, password=first)
        http = world.login(name, first)
        anonymous = world.client()
        assert anonymous.post(LOGIN, json={"username": name, "password": typo}
                              ).status_code == 401
        assert anonymous.post(LOGIN, json={"username": unique("ghost"), "password": typo}
                              ).status_code == 401
        changed = http.post("/api/v1/auth/password", json={"current_password": first,
                                                           "new_password": second})
        assert changed.status_code == 204, changed.text
        again = world.login(name, second)
        assert again.post("/api/v1/auth/totp/setup").status_code == 200
        assert again.post("/api/v1/auth/totp/disable", json={"password": typo}
                          ).status_code == 403
        world.wiring.make_checkpoint()  # the witness file under the home, too
    assert "/api/v1/auth/login" in log.read_text(encoding="utf-8")  # the log was written

    assert "users.username" in _database_hits(world, name)  # the search does find things
    for password in (first, second, typo):
        assert _database_hits(world, password) == []
        assert password not in json.dumps(audit(world), ensure_ascii=False)
    home = world.wiring.settings.home
    assert files_containing(home, {"first": first, "second": second, "typo": typo}) == []


def test_C9_rehash_on_login_after_parameter_bump(world: World) -> None:
    """The operator raises argon2's memory cost; each user's hash is re-made with the new
    parameters at their next successful login (and only then)."""
    name, user_id = new_user(world)
    old = _hash_of(world, user_id)
    assert _parts(old)[0] == 19_456

    current = world.wiring.settings
    stronger = Wiring(Settings(home=current.home, database_url=current.database_url,
                               audit_checkpoint_every=10_000, argon2_memory_kib=32_768),
                      clock=world.clock)
    try:
        http = TestClient(create_app(stronger), base_url=BASE, raise_server_exceptions=False)
        wrong = http.post(LOGIN, json={"username": name, "password": "a wrong password 7"})
        assert wrong.status_code == 401
        assert _hash_of(world, user_id) == old  # no rehash without a verified password

        assert http.post(LOGIN, json={"username": name, "password": PASSWORD}
                         ).status_code == 200
        new = _hash_of(world, user_id)
        m, t, p, salt, _ = _parts(new)
        assert (m, t, p) == (32_768, 2, 1)
        assert salt != _parts(old)[3]  # a fresh salt as well

        # the new hash verifies and is not re-made at the next login
        assert http.post(LOGIN, json={"username": name, "password": PASSWORD}
                         ).status_code == 200
        assert _hash_of(world, user_id) == new
    finally:
        stronger.engine.dispose()
