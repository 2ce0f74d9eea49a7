"""The one place that wires settings -> adapters -> services.

Interfaces (CLI, API, console) get a ``Platform`` from here and call its use cases; each use
case runs in one unit of work that commits only when everything in it succeeded.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from openseal.adapters.db.engine import make_engine, schema_is_current, unit_of_work, upgrade
from openseal.adapters.db.repository import SqlRepositories
from openseal.adapters.keys.software import SoftwareKeyStore
from openseal.config import Settings
from openseal.core.clock import Clock, SystemClock
from openseal.core.pki.service import PkiService, not_initialised
from openseal.errors import InvalidInput, Unavailable

T = TypeVar("T")


@dataclass
class Context:
    """What a use case gets: the unit of work's repositories and the shared services."""

    repos: SqlRepositories
    pki: PkiService
    keystore: SoftwareKeyStore
    clock: Clock
    settings: Settings


class Wiring:
    """Long-lived objects for one process: engine, key store, caches."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.engine = make_engine(settings.resolved_database_url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @cached_property
    def keystore(self) -> SoftwareKeyStore:
        return SoftwareKeyStore(self.settings.keys_dir, load_master_key(self.settings))

    def migrate(self) -> None:
        self.settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        upgrade(self.engine)

    def require_schema(self) -> None:
        """NotFound(NOT_INITIALISED) unless the database exists at the newest migration."""
        default_db = self.settings.home / "openseal.db"
        if self.settings.database_url is None and not default_db.exists():
            raise not_initialised()
        try:
            current = schema_is_current(self.engine)
        except SQLAlchemyError as exc:
            raise Unavailable(
                "DATABASE_UNAVAILABLE", "数据库无法连接，请检查 OPENSEAL_DATABASE_URL",
                "The database cannot be reached; check OPENSEAL_DATABASE_URL") from exc
        if not current:
            raise not_initialised()

    @contextmanager
    def context(self) -> Iterator[Context]:
        with unit_of_work(self.sessions) as session:
            repos = SqlRepositories(session)
            pki = PkiService(repos, self.keystore, self.clock)
            yield Context(repos, pki, self.keystore, self.clock, self.settings)

    def run(self, use_case: Callable[[Context], T]) -> T:
        """Run ``use_case`` in one transaction."""
        with self.context() as ctx:
            return use_case(ctx)


def load_master_key(settings: Settings, create: bool = False) -> bytes:
    """OPENSEAL_MASTER_KEY (base64 or hex of 32 bytes), else the key file in the home."""
    if settings.master_key:
        return _decode_master_key(settings.master_key)
    path = settings.master_key_file
    if path.exists():
        return _decode_master_key(path.read_text().strip())
    if not create:
        raise not_initialised()
    settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(key).decode() + "\n")
    return key


def _decode_master_key(text: str) -> bytes:
    for decode in (bytes.fromhex, base64.b64decode):
        try:
            key = decode(text.strip())
        except (ValueError, binascii.Error):
            continue
        if len(key) == 32:
            return key
    raise InvalidInput("MASTER_KEY_FORMAT", "主密钥格式错误：应为 32 字节的 base64 或十六进制",
                       "The master key must be 32 bytes, as base64 or hex")
