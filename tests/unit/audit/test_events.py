"""Audit events: canonical bytes, time format, control-character escaping, no secrets."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from openseal.core.audit import (
    GENESIS_HASH,
    AuditEvent,
    canonical_json,
    escape_controls,
    format_time,
    is_secret_key,
    new_event,
    parse_time,
)
from openseal.errors import InvalidInput

T0 = datetime(2025, 3, 4, 5, 6, 7, 89, tzinfo=UTC)


def event(**overrides: Any) -> AuditEvent:
    fields: dict[str, Any] = {"actor": "user:alice", "actor_kind": "user",
                              "action": "seal.sign", "outcome": "success"}
    fields.update(overrides)
    return new_event(0, T0, GENESIS_HASH, **fields)


def test_canonical_json_is_rfc8785() -> None:
    assert canonical_json({"b": 1, "a": [1.0, 1e21, "é"], "A": None}) == (
        '{"A":null,"a":[1,1e+21,"é"],"b":1}'.encode())
    assert canonical_json({"\u20ac": 1, "\U0001f600": 2, "\ufb33": 3}) == (
        '{"\u20ac":1,"\U0001f600":2,"\ufb33":3}'.encode())  # by UTF-16 code units


def test_time_format_is_fixed_utc_with_microseconds() -> None:
    assert format_time(T0) == "2025-03-04T05:06:07.000089Z"
    beijing = timezone(timedelta(hours=8))
    assert format_time(datetime(2025, 1, 1, 8, 0, tzinfo=beijing)) == (
        "2025-01-01T00:00:00.000000Z")
    assert format_time(datetime(999, 1, 1, tzinfo=UTC)) == "0999-01-01T00:00:00.000000Z"
    assert parse_time("2025-03-04T05:06:07.000089Z") == T0
    for bad in ("2025-03-04T05:06:07Z", "2025-03-04T05:06:07.000089+00:00",
                "2025-03-04 05:06:07.000089Z", "2025-13-04T05:06:07.000089Z"):
        with pytest.raises(ValueError):
            parse_time(bad)
    with pytest.raises(ValueError):
        format_time(datetime(2025, 1, 1))


def test_leaf_bytes_are_exact_and_deterministic() -> None:
    e = event(org_id="org-1", target="doc:1",
              details={"z": 1, "a": {"y": [True, None], "b": "x"}})
    expected = (
        '{"action":"seal.sign","actor":"user:alice","actor_kind":"user","agent":null,'
        '"client_addr":null,"details":{"a":{"b":"x","y":[true,null]},"z":1},'
        '"org_id":"org-1","outcome":"success","prev_hash":"' + "0" * 64 + '",'
        '"seq":0,"target":"doc:1","time":"2025-03-04T05:06:07.000089Z"}').encode()
    assert e.leaf_bytes() == expected
    assert e.entry_hash() == hashlib.sha256(b"\x00" + expected).hexdigest()
    reordered = event(target="doc:1", org_id="org-1",
                      details={"a": {"b": "x", "y": [True, None]}, "z": 1})
    assert reordered.leaf_bytes() == expected


def test_export_round_trip_keeps_hash_and_stored_hash() -> None:
    e = event(details={"n": 1.5, "s": "x"}, agent="curl/8")
    exported = json.loads(json.dumps(e.to_export()))
    assert exported["type"] == "event" and exported["entry_hash"] == e.entry_hash()
    back = AuditEvent.from_export(exported)
    assert back == e and back.entry_hash() == e.entry_hash()
    assert back.stored_hash == e.entry_hash()


@pytest.mark.parametrize(("raw", "stored"), [
    ("a\r\nb", "a\\u000d\\u000ab"),
    ("\x1b[31mred", "\\u001b[31mred"),
    ("del\x7f", "del\\u007f"),
    ("nel\x85", "nel\\u0085"),
    ("tab\there", "tab\\u0009here"),
    ("nul\x00", "nul\\u0000"),
    ("ls\u2028ps\u2029", "ls\\u2028ps\\u2029"),
    ("\u202egnp.exe", "\\u202egnp.exe"),
    ("lone\ud800", "lone\\ud800"),
    ("合同专用章 ok", "合同专用章 ok"),
])
def test_control_characters_are_escaped_everywhere(raw: str, stored: str) -> None:
    assert escape_controls(raw) == stored
    e = event(actor=raw, target=raw, agent=raw, client_addr=raw, org_id=raw,
              details={"k": raw, raw: [raw, {"deep": raw}]})
    assert (e.actor, e.target, e.agent, e.client_addr, e.org_id) == (stored,) * 5
    assert e.details == {"k": stored, stored: [stored, {"deep": stored}]}


def test_crlf_becomes_six_characters_each() -> None:
    assert event(actor="a\r\nb").actor == "a" + "\\u000d" + "\\u000a" + "b"
    assert len(event(actor="a\r\nb").actor) == 1 + 6 + 6 + 1


@pytest.mark.parametrize("key", [
    "password", "new_password", "Passwd", "passcode", "client_secret", "api_token",
    "accessToken", "totp", "TOTP_code", "otp", "otp_code", "sms-OTP", "pin", "userPin",
    "pin_code", "PIN", "private_key", "privateKey", "Private-Key", "master_key",
    "masterKey", "credential", "credentials",
])
def test_secret_keys_are_refused_at_any_depth(key: str) -> None:
    assert is_secret_key(key)
    for details in ({key: "x"}, {"outer": {key: 1}}, {"list": [{"a": {key: None}}]}):
        with pytest.raises(InvalidInput) as info:
            event(details=details)
        assert info.value.code == "AUDIT_SECRET_FIELD"
        assert info.value.fields["field"] == key


@pytest.mark.parametrize("key", ["mapping", "shipping", "footprint", "spinner", "pinyin",
                                 "input_sha256", "cert_serial", "tsa_serial", "seal",
                                 "hotpot", "option"])
def test_ordinary_keys_are_allowed(key: str) -> None:
    assert not is_secret_key(key)
    assert event(details={key: 1}).details == {key: 1}


def test_a_private_key_value_is_refused() -> None:
    pem = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE...\n-----END EC PRIVATE KEY-----"
    with pytest.raises(InvalidInput) as info:
        event(details={"note": ["x", pem]})
    assert info.value.code == "AUDIT_SECRET_FIELD"


def _nested(depth: int) -> Any:
    value: Any = "too deep"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("value", [b"bytes", {1, 2}, T0, object(), float("nan"),
                                   float("inf"), 2**53, -(2**60), {1: "non-str key"},
                                   _nested(20)])
def test_non_json_details_are_refused(value: Any) -> None:
    with pytest.raises(InvalidInput) as info:
        event(details={"v": value})
    assert info.value.code == "AUDIT_DETAILS_NOT_JSON"


def test_json_details_are_accepted() -> None:
    details = {"s": "x", "i": 2**53 - 1, "f": 0.1, "b": False, "n": None, "l": [1, "a"],
               "t": (1, 2), "d": {"e": {}}}
    assert event(details=details).details == {**details, "t": [1, 2]}


@pytest.mark.parametrize("action", ["", "Seal.sign", "seal sign", "1seal", "seal\n",
                                    "a" * 65, "seal/sign", "印章"])
def test_bad_action_names_are_refused(action: str) -> None:
    with pytest.raises(InvalidInput) as info:
        event(action=action)
    assert info.value.code == "AUDIT_ACTION_INVALID"


@pytest.mark.parametrize("action", ["seal.sign", "a", "user:login", "cert.issue-org_ca",
                                    "a" * 64])
def test_good_action_names(action: str) -> None:
    assert event(action=action).action == action


@pytest.mark.parametrize("overrides", [{"actor_kind": "robot"}, {"outcome": "ok"},
                                       {"actor": ""}, {"target": 5}])
def test_enums_and_types_are_checked(overrides: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as info:
        event(**overrides)
    assert info.value.code == "AUDIT_EVENT_INVALID"


def test_seq_time_and_prev_hash_are_checked() -> None:
    base = {"actor": "a", "actor_kind": "system", "action": "x", "outcome": "success"}
    for seq, moment, prev in ((-1, T0, GENESIS_HASH), (True, T0, GENESIS_HASH),
                              (0, datetime(2025, 1, 1), GENESIS_HASH), (0, T0, "00"),
                              (0, T0, "AB" * 32)):
        with pytest.raises(InvalidInput):
            new_event(seq, moment, prev, **base)  # type: ignore[arg-type]


def test_time_is_stored_in_utc() -> None:
    beijing = timezone(timedelta(hours=8))
    e = new_event(0, datetime(2025, 1, 1, 8, tzinfo=beijing), GENESIS_HASH, actor="a",
                  actor_kind="system", action="x", outcome="success")
    assert e.time.tzinfo == UTC and e.body()["time"] == "2025-01-01T00:00:00.000000Z"


def test_from_export_keeps_what_is_written() -> None:
    d = event().to_export() | {"actor": "raw\r\nline"}
    back = AuditEvent.from_export(d)
    assert back.actor == "raw\r\nline"  # not escaped: the verifier hashes what is there
    assert back.entry_hash() != back.stored_hash


@pytest.mark.parametrize("change", [
    {"seq": "1"}, {"seq": -1}, {"seq": True}, {"time": "yesterday"}, {"actor": 1},
    {"target": 5}, {"details": []}, {"details": {"x": float("nan")}},
    {"details": {"x": 2**60}}, {"details": {"x": [1e999]}}, {"prev_hash": None},
    {"entry_hash": 5}, {"type": "other"}, {"surprise": 1},
])
def test_from_export_refuses_malformed_events(change: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as info:
        AuditEvent.from_export(event().to_export() | change)
    assert info.value.code == "AUDIT_EXPORT_MALFORMED"


def test_from_export_needs_every_field() -> None:
    d = event().to_export()
    del d["agent"]
    with pytest.raises(InvalidInput):
        AuditEvent.from_export(d)
    with pytest.raises(InvalidInput):
        AuditEvent.from_export(["not", "a", "dict"])  # type: ignore[arg-type]
