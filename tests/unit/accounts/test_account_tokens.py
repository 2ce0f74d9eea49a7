"""Opaque tokens (shown once, stored as digests) and API scopes."""

from __future__ import annotations

import base64
import re

import pytest

from openseal.core.accounts.secrets import (
    SCOPES,
    new_token,
    parse_scopes,
    same_digest,
    token_digest,
)
from openseal.errors import InvalidInput


def test_tokens_are_prefixed_random_and_unique() -> None:
    tokens = [new_token("osk") for _ in range(50)]
    assert len({token for token, _ in tokens}) == 50
    for token, digest in tokens:
        assert re.fullmatch(r"osk_[A-Za-z0-9_-]{43}", token)
        assert len(base64.urlsafe_b64decode(token[4:] + "=")) == 32
        assert re.fullmatch(r"[0-9a-f]{64}", digest) and token not in digest
    assert new_token("osk_")[0].startswith("osk_") and not new_token("osk_")[0].startswith("osk__")
    with pytest.raises(ValueError):
        new_token("bad prefix!")


def test_only_digests_compare() -> None:
    token, digest = new_token("oss")
    assert same_digest(token_digest(token), digest)
    assert not same_digest(token_digest(token + "x"), digest)
    assert not same_digest(token, digest)
    other, other_digest = new_token("oss")
    assert not same_digest(other_digest, digest)


def test_parse_scopes() -> None:
    assert parse_scopes("seals:view seals:use") == {"seals:view", "seals:use"}
    assert parse_scopes(" seals:view,audit:read ,seals:view ") == {"seals:view", "audit:read"}
    # the names before separation of duties are kept as aliases, stored under the new names
    assert parse_scopes("seals:read documents:seal seals:write") == {
        "seals:view", "seals:use", "seals:manage"}
    assert parse_scopes("") == frozenset()
    assert parse_scopes(" ".join(sorted(SCOPES))) == SCOPES


@pytest.mark.parametrize("text", ["seals:delete", "seals:read admin", "SEALS:READ", "*"])
def test_unknown_scopes_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_scopes(text)
    assert caught.value.code == "SCOPE_UNKNOWN"
    assert caught.value.zh and caught.value.en and caught.value.fields["unknown"]
