"""C7 totp_replay: a valid one-time code works once (RFC 6238 §5.2, ASVS 6.5.1).

The same code again, sequentially or in a concurrent login racing the first, is refused
with TOTP_REPLAYED and audited; at most one session results. A recovery code works once.
"""

from __future__ import annotations

import threading

import httpx
from fastapi.testclient import TestClient

from tests.acceptance import api_world
from tests.acceptance.api_world import (
    LOGIN,
    ME,
    audit,
    enable_totp,
    new_user,
    session_rows,
)
from tests.support.api import PASSWORD, World, totp_now

world = api_world.world  # the fixture each test takes (sqlite, postgresql)


def _login(world: World, username: str, **extra: str) -> httpx.Response:
    answer: httpx.Response = world.client().post(
        LOGIN, json={"username": username, "password": PASSWORD, **extra})
    return answer


def test_C7_totp_replay_sequential(world: World) -> None:
    name, user_id = new_user(world)
    secret, _ = enable_totp(world, name)
    code = totp_now(secret, world.clock)

    first = _login(world, name, code=code)
    assert first.status_code == 200, first.text
    again = _login(world, name, code=code)
    assert again.status_code == 403, again.text
    assert again.json()["code"] == "TOTP_REPLAYED"
    assert session_rows(world, user_id) == 1

    replays = [e for e in audit(world, "auth.login") if e["target"] == f"user:{user_id}"
               and e["details"].get("reason") == "totp_replayed"]
    assert len(replays) == 1
    assert replays[0]["outcome"] == "failed"
    assert replays[0]["details"]["error"] == "TOTP_REPLAYED"

    # the next code (next 30-second step) is accepted again: the refusal was the replay only
    world.clock.advance(seconds=30)
    assert _login(world, name, code=totp_now(secret, world.clock)).status_code == 200


def _race(world: World, name: str, code: str) -> list[httpx.Response]:
    """Two browsers (each its own client and connection) post the same login at once."""
    browsers = [world.client(), world.client()]
    for http in browsers:  # warm up each app (FastAPI builds the body model on first use)
        assert http.post(LOGIN, json={}).status_code == 422
    start = threading.Barrier(len(browsers))
    answers: list[httpx.Response] = []

    def run(http: TestClient) -> None:
        start.wait()
        answers.append(http.post(LOGIN, json={"username": name, "password": PASSWORD,
                                              "code": code}))

    threads = [threading.Thread(target=run, args=(http,)) for http in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == len(browsers)
    return answers


def test_C7_totp_replay_concurrent_logins(world: World) -> None:
    """Two browsers log in at the same moment with the same code: exactly one session.
    Three rounds, each with the next 30-second step's code."""
    name, user_id = new_user(world)
    secret, _ = enable_totp(world, name)
    assert session_rows(world, user_id) == 0  # enrolment ended every earlier session
    for round_ in range(1, 4):
        answers = _race(world, name, totp_now(secret, world.clock))
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200, 403], [a.text for a in answers]
        refused = next(a for a in answers if a.status_code == 403)
        assert refused.json()["code"] == "TOTP_REPLAYED"
        assert session_rows(world, user_id) == round_
        world.clock.advance(seconds=30)
    reasons = [e["details"].get("reason") for e in audit(world, "auth.login")
               if e["target"] == f"user:{user_id}"]
    assert reasons.count("totp_replayed") == 3


def test_C7_recovery_code_single_use(world: World) -> None:
    name, user_id = new_user(world)
    _, codes = enable_totp(world, name)
    assert len(codes) == 10 and len(set(codes)) == 10

    used = _login(world, name, recovery_code=codes[0])
    assert used.status_code == 200, used.text
    token = used.cookies.get("openseal_session")
    me = world.client().get(ME, headers={"Cookie": f"openseal_session={token}"})
    assert me.status_code == 200 and me.json()["id"] == user_id

    reused = _login(world, name, recovery_code=codes[0])
    assert reused.status_code == 403, reused.text
    assert reused.json()["code"] == "RECOVERY_CODE_INVALID"
    # typed differently (lower case, no dashes) it is still the same, spent code
    spent = _login(world, name, recovery_code=codes[0].replace("-", "").lower())
    assert spent.status_code == 403 and spent.json()["code"] == "RECOVERY_CODE_INVALID"
    assert session_rows(world, user_id) == 1

    uses = [e for e in audit(world, "auth.recovery_code_used")
            if e["target"] == f"user:{user_id}"]
    assert [e["details"] for e in uses] == [{"remaining": 9}]
    # the other nine still work
    assert _login(world, name, recovery_code=codes[1]).status_code == 200
