"""Settings, read once at start-up from OPENSEAL_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path.home() / ".openseal"


class Settings(BaseSettings):
    """OPENSEAL_HOME, OPENSEAL_DATABASE_URL, OPENSEAL_MASTER_KEY, OPENSEAL_LANG, ..."""

    model_config = SettingsConfigDict(env_prefix="OPENSEAL_", extra="ignore")

    home: Path = Field(default_factory=_default_home)
    database_url: str | None = None
    database_busy_seconds: float = 30.0
    """OPENSEAL_DATABASE_BUSY_SECONDS: how long a SQLite write waits for a lock another
    process holds before the request fails with DATABASE_UNAVAILABLE (503)."""
    master_key: str | None = Field(default=None, repr=False)
    lang: str = "zh"
    base_url: str = "http://localhost:8000"
    public_url: str | None = None
    """Where outsiders reach this instance (OPENSEAL_PUBLIC_URL): new certificates' CRL
    distribution point and OCSP address. Unset: ``base_url``."""
    instance_name: str = "OpenSeal"
    docs_url: str | None = None
    """Where the user manual is published (OPENSEAL_DOCS_URL): console help links go to
    ``<docs_url>/<page>.md#<section>``. Unset: /help, rendered from docs/manual/."""
    audit_checkpoint_every: int = 100
    audit_checkpoint_seconds: int = 3600
    audit_witness_dir: Path | None = None
    audit_verifications: bool = True
    max_upload_bytes: int = 50 * 1024 * 1024
    verify_workers: int = 4
    """Public verifications run at once, each in its own worker process."""
    verify_timeout_seconds: float = 30.0
    verify_memory_mib: int = 2048
    """Address space of a verification worker (RLIMIT_AS)."""
    max_licence_bytes: int = 10 * 1024 * 1024
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    invitation_hours: int = 72
    cookie_secure: bool = True
    argon2_memory_kib: int = 19_456
    argon2_time_cost: int = 2
    pkcs11_library: str | None = None
    """A PKCS#11 module (OPENSEAL_PKCS11_LIBRARY, e.g. /usr/lib/softhsm/libsofthsm2.so):
    keys whose id starts with ``pkcs11:`` live in its token. Unset: software keys only."""
    pkcs11_token: str | None = None
    """The token's label (OPENSEAL_PKCS11_TOKEN)."""
    pkcs11_pin: SecretStr | None = Field(default=None, repr=False)
    """The user PIN (OPENSEAL_PKCS11_PIN); or OPENSEAL_PKCS11_PIN_FILE, a file holding it."""
    pkcs11_pin_file: Path | None = None
    key_store: str = "software"
    """Where new seals' keys go unless the request says (OPENSEAL_KEY_STORE): software or
    pkcs11."""
    pkcs11_orgs: str = ""
    """Organisations (ids or credit codes, comma-separated; OPENSEAL_PKCS11_ORGS) whose new
    seals' keys go to the PKCS#11 token unless the request says otherwise."""

    metrics_token: SecretStr | None = Field(default=None, repr=False)
    """OPENSEAL_METRICS_TOKEN: when set, /metrics wants ``Authorization: Bearer <token>``."""
    rto_seconds: float = 900.0
    """OPENSEAL_RTO_SECONDS: the recovery time objective `openseal drill` is held to."""
    job_workers: int = 1
    """OPENSEAL_JOB_WORKERS: background jobs each `openseal serve` process runs at once
    (0: this server runs none; `openseal worker` runs them instead)."""
    job_stale_seconds: int = 300
    """OPENSEAL_JOB_STALE_SECONDS: a job, or one batch document, whose worker has given no
    sign of life for this long is taken up again by another worker. Longer than sealing one
    document ever takes."""
    backup_dir: Path | None = None
    """OPENSEAL_BACKUP_DIR: the `backup` job writes a dated backup here (unset: no job)."""
    backup_keep: int = 14
    """OPENSEAL_BACKUP_KEEP: scheduled backups kept in OPENSEAL_BACKUP_DIR."""
    backup_cron: str = "30 2 * * *"
    """OPENSEAL_BACKUP_CRON: when the `backup` job runs (cron, the server's local time)."""
    archive_dir: Path | None = None
    """OPENSEAL_ARCHIVE_DIR: archived sealed PDFs the `archive.refresh` job keeps verifiable
    (a new document timestamp before the last one's TSA certificate expires)."""

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'openseal.db'}"

    @property
    def certificate_url(self) -> str:
        """The public base URL written into new certificates (CRL, OCSP)."""
        return self.public_url or self.base_url

    @property
    def pkcs11_org_refs(self) -> frozenset[str]:
        return frozenset(r.strip() for r in self.pkcs11_orgs.split(",") if r.strip())

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def witness_dir(self) -> Path:
        """Where checkpoints are also written, outside the database."""
        return self.audit_witness_dir or self.home / "witness"

    @property
    def master_key_file(self) -> Path:
        return self.home / "master.key"
