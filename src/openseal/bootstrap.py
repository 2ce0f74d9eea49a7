"""The one place that wires settings -> adapters -> services.

Interfaces (CLI, API, console) get a ``Wiring`` from here and call use cases through it;
each use case runs in one unit of work in which the action and its audit entry commit
together or not at all.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from openseal.adapters.db.engine import (
    make_engine,
    schema_is_current,
    schema_revision,
    unit_of_work,
    upgrade,
)
from openseal.adapters.db.failures import storage_failure as storage_failure
from openseal.adapters.db.repository import SqlRepositories
from openseal.adapters.keys.pkcs11 import Pkcs11KeyStore
from openseal.adapters.keys.routing import RoutingKeyStore
from openseal.adapters.keys.software import SoftwareKeyStore
from openseal.adapters.storage.documents import FileDocumentStore
from openseal.config import Settings
from openseal.core.accounts.kit import AccountKit, AccountPolicy
from openseal.core.accounts.passwords import PasswordHasher
from openseal.core.accounts.principal import AccessDenied
from openseal.core.accounts.secretbox import SecretBox
from openseal.core.audit.checkpoint import Checkpoint
from openseal.core.audit.checkpointing import (
    CheckpointPolicy,
    checkpoint_due,
    make_log_checkpoint,
)
from openseal.core.audit.model import AuditEvent
from openseal.core.audit.recorder import Actor, AuditRecorder
from openseal.core.clock import Clock, SystemClock
from openseal.core.identity.service import find_organization
from openseal.core.pki.service import PkiService, not_initialised
from openseal.errors import Conflict, InvalidInput, OpenSealError, Unavailable

T = TypeVar("T")


@dataclass
class Context:
    """What a use case gets: the unit of work's repositories and the shared services."""

    repos: SqlRepositories
    pki: PkiService
    keystore: RoutingKeyStore
    clock: Clock
    settings: Settings
    audit: AuditRecorder
    accounts: AccountKit
    documents: FileDocumentStore

    def key_store_for(self, org_ref: str) -> str:
        """Where a new seal's key goes when the request names no key store: "pkcs11" for
        the organisations listed in OPENSEAL_PKCS11_ORGS (ids or credit codes), else
        OPENSEAL_KEY_STORE. NotFound for an unknown organisation."""
        listed = self.settings.pkcs11_org_refs
        if listed:
            org = find_organization(self.repos, org_ref)
            if {org.id, org.uscc} & listed:
                return "pkcs11"
        return self.settings.key_store


def schema_outdated() -> Conflict:
    return Conflict("SCHEMA_OUTDATED",
                    "数据库结构早于当前版本，请运行 openseal init 升级（数据会保留）",
                    "The database schema is older than this version; run `openseal init` to "
                    "upgrade it (the data is kept)")


@dataclass(frozen=True)
class Refusal:
    """How to record a refused use case (in its own transaction, after the rollback)."""

    action: str
    target: str | None = None
    org_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class Wiring:
    """Long-lived objects for one process: engine, key store, caches, the acting party."""

    def __init__(self, settings: Settings, clock: Clock | None = None,
                 actor: Actor | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.actor = actor or Actor("system")
        self.engine = make_engine(settings.resolved_database_url,
                                  settings.database_busy_seconds)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.checkpoints = CheckpointPolicy(settings.audit_checkpoint_every,
                                            settings.audit_checkpoint_seconds)
        self.observers: list[Callable[[Sequence[AuditEvent]], None]] = []
        """Told of the audit entries of each transaction once it has committed (metrics)."""

    @cached_property
    def keystore(self) -> RoutingKeyStore:
        """Software keys, plus the PKCS#11 token's when OPENSEAL_PKCS11_LIBRARY is set."""
        software = SoftwareKeyStore(self.settings.keys_dir, load_master_key(self.settings))
        s = self.settings
        if not s.pkcs11_library:
            return RoutingKeyStore(software)
        library, token = s.pkcs11_library, s.pkcs11_token or ""
        return RoutingKeyStore(software, lambda: Pkcs11KeyStore(
            library, token, lambda: load_pkcs11_pin(s)))

    @cached_property
    def documents(self) -> FileDocumentStore:
        """Documents of requests to use a seal, kept for the approvers to read."""
        return FileDocumentStore(self.settings.home / "documents")

    @cached_property
    def accounts(self) -> AccountKit:
        s = self.settings
        policy = AccountPolicy(session_idle=timedelta(minutes=s.session_idle_minutes),
                               session_absolute=timedelta(hours=s.session_absolute_hours),
                               invitation_valid=timedelta(hours=s.invitation_hours),
                               licence_max_bytes=s.max_licence_bytes)
        return AccountKit(SecretBox(load_master_key(s)), policy,
                          PasswordHasher(memory_cost=s.argon2_memory_kib,
                                         time_cost=s.argon2_time_cost))

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
            raise not_initialised() if schema_revision(self.engine) is None \
                else schema_outdated()

    @contextmanager
    def context(self, actor: Actor | None = None) -> Iterator[Context]:
        """One unit of work. Prefer ``run``, which also keeps checkpoints coming."""
        try:
            with unit_of_work(self.sessions) as session:
                repos = SqlRepositories(session)
                audit = AuditRecorder(repos, self.clock, actor or self.actor)
                pki = PkiService(repos, self.keystore, self.clock, audit)
                yield Context(repos, pki, self.keystore, self.clock, self.settings, audit,
                              self.accounts, self.documents)
        except (SQLAlchemyError, OSError) as exc:  # rolled back: the database gone or full,
            failure = storage_failure(exc)  # or a full disk, said once here
            if failure is None:
                raise
            raise failure from exc
        self._tell_observers(audit.recorded)

    def _tell_observers(self, events: Sequence[AuditEvent]) -> None:
        for observe in self.observers if events else ():
            try:
                observe(events)
            except Exception:  # noqa: BLE001 - the action is committed; metrics never fail it
                logging.getLogger(__name__).warning("audit observer failed", exc_info=True)

    def run(self, use_case: Callable[[Context], T], refusal: Refusal | None = None,
            actor: Actor | None = None) -> T:
        """Run ``use_case`` in one transaction; record a refusal; checkpoint when due."""
        try:
            with self.context(actor) as ctx:
                result = use_case(ctx)
        except OpenSealError as exc:
            if isinstance(exc, AccessDenied):
                refusal = Refusal("authz.denied", exc.target, exc.org_id)
            if refusal is not None:
                self._record_refusal(refusal, exc, actor)
            raise
        try:
            self.checkpoint_if_due()
        except (OpenSealError, SQLAlchemyError, OSError):
            # The action is committed; a late checkpoint is made by the next run or on demand.
            logging.getLogger(__name__).warning("audit checkpoint failed", exc_info=True)
        return result

    def _record_refusal(self, refusal: Refusal, exc: OpenSealError,
                        actor: Actor | None) -> None:
        try:
            with self.context(actor) as ctx:
                outcome = "denied" if refusal.action == "authz.denied" else "refused"
                ctx.audit.record(refusal.action, outcome, org_id=refusal.org_id,
                                 target=refusal.target,
                                 details={**refusal.details, "error": exc.code})
        except (OpenSealError, SQLAlchemyError):
            pass  # no instance or no database: the refusal itself is what the user sees

    def checkpoint_if_due(self) -> Checkpoint | None:
        with self.context() as ctx:
            if not checkpoint_due(ctx.repos, self.clock, self.checkpoints):
                return None
        return self.make_checkpoint()

    def make_checkpoint(self) -> Checkpoint:
        """Sign the log now, commit, then hand the checkpoint to the witness directory."""
        with self.context() as ctx:
            checkpoint = make_log_checkpoint(ctx.repos, ctx.pki.audit_signer(), ctx.audit,
                                             self.clock.now())
        self._witness(checkpoint)
        return checkpoint

    def _witness(self, checkpoint: Checkpoint) -> None:
        folder = self.settings.witness_dir
        folder.mkdir(parents=True, exist_ok=True)
        name = f"checkpoint-{checkpoint.size:012d}.json"
        tmp = folder / f".{name}.{secrets.token_hex(4)}.part"
        tmp.write_text(json.dumps(checkpoint.to_json(), ensure_ascii=False, sort_keys=True))
        os.replace(tmp, folder / name)


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


def load_pkcs11_pin(settings: Settings) -> str:
    """OPENSEAL_PKCS11_PIN (if not empty), else the first line of OPENSEAL_PKCS11_PIN_FILE.
    Unavailable when neither is set, or the file cannot be read or is readable by others
    (like ssh with a private key). The PIN is never shown."""
    if settings.pkcs11_pin is not None and settings.pkcs11_pin.get_secret_value():
        return settings.pkcs11_pin.get_secret_value()
    path = settings.pkcs11_pin_file
    if path is None:
        raise Unavailable("PKCS11_PIN_MISSING",
                          "未提供硬件令牌的 PIN：请设置 OPENSEAL_PKCS11_PIN 或 "
                          "OPENSEAL_PKCS11_PIN_FILE",
                          "No PIN for the token: set OPENSEAL_PKCS11_PIN or "
                          "OPENSEAL_PKCS11_PIN_FILE")
    try:
        if path.stat().st_mode & 0o077:
            raise Unavailable("PKCS11_PIN_FILE_MODE",
                              f"PIN 文件 {path} 其他用户可读：请执行 chmod 600 {path}",
                              f"The PIN file {path} is readable by others: chmod 600 {path}")
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        raise Unavailable("PKCS11_PIN_FILE", f"无法读取 PIN 文件 {path}",
                          f"Cannot read the PIN file {path}") from None
    return lines[0] if lines else ""


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
