"""A seal's life: active -> suspended (挂失, reversible) -> revoked (irreversible) ->
destroyed (private key gone, record kept); renewal; warnings before certificates expire.

Every transition needs a reason, is refused with Conflict naming the current state when the
state does not allow it, and is audited with the status before and after. Certificate
status is published at once: revoking and suspending put the seal's certificates on their
CA's CRL (suspension as certificateHold, removed again on resume) and OCSP answers from the
same records, so a new CRL is issued in the same transaction.

Callers that keep a signer per seal (``SealerCache``) must drop it after ``renew``: the seal
then has a new certificate and key (see docs/governance.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from openseal.core.audit.recorder import AuditRecorder
from openseal.core.clock import Clock
from openseal.core.keys.model import KeyStore
from openseal.core.keys.stores import key_id_prefix, key_store_of
from openseal.core.pki.crl import HOLD, REVOCATION_REASONS, RevocationRepos
from openseal.core.pki.profiles import CertificateRole
from openseal.core.pki.service import PkiService
from openseal.core.records import CertificateRecord, SealRecord
from openseal.core.seals.esl import build_esl
from openseal.core.seals.service import find_seal
from openseal.errors import Conflict, InvalidInput

ACTIVE, SUSPENDED, REVOKED, DESTROYED = "active", "suspended", "revoked", "destroyed"
STATUS_ZH = {ACTIVE: "启用", SUSPENDED: "挂失（暂停）", REVOKED: "已吊销", DESTROYED: "已销毁"}
MAX_REASON = 500
MAX_EXPIRY_DAYS = 3650


class LifecycleRepos(RevocationRepos, Protocol):
    """Repositories the lifecycle needs beyond certificate status (adapters: SqlLifecycle)."""

    def set_seal_status(self, seal_id: str, status: str, reason: str,
                        when: datetime) -> None: ...
    def seal_status_note(self, seal_id: str) -> tuple[str | None, datetime | None]: ...
    def replace_seal_certificate(self, seal: SealRecord, cert_id: str, key_id: str,
                                 when: datetime) -> None: ...
    def superseded_certificates(self, seal_id: str) -> list[tuple[str, str]]: ...
    def expiring_seals(self, before: datetime,
                       org_id: str | None = None) -> list[tuple[SealRecord, datetime]]: ...


@dataclass(frozen=True)
class Transition:
    """What a lifecycle call did: the seal as it is now, and its status before."""

    seal: SealRecord
    before: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class ExpiringSeal:
    seal: SealRecord
    not_after: datetime


class SealLifecycle:
    def __init__(self, repos: LifecycleRepos, pki: PkiService, keystore: KeyStore,
                 clock: Clock, audit: AuditRecorder) -> None:
        self._repos = repos
        self._pki = pki
        self._keys = keystore
        self._clock = clock
        self._audit = audit

    def suspend(self, seal_ref: str, reason: str) -> Transition:
        """active -> suspended: uses refused; certificates published as certificateHold."""
        seal, text = self._checked(seal_ref, reason, "suspend", (ACTIVE,))
        now = self._clock.now()
        self._set_certificates(seal, lambda revoked: revoked is None, now, HOLD)
        return self._move(seal, SUSPENDED, text, now, "seal.suspend")

    def resume(self, seal_ref: str, reason: str) -> Transition:
        """suspended -> active: the hold is lifted (the certificates leave the CRL)."""
        seal, text = self._checked(seal_ref, reason, "resume", (SUSPENDED,))
        now = self._clock.now()
        self._set_certificates(seal, lambda revoked: revoked == HOLD, None, None)
        return self._move(seal, ACTIVE, text, now, "seal.resume")

    def revoke(self, seal_ref: str, reason: str, reason_code: str = "unspecified") -> Transition:
        """active|suspended -> revoked, for good: every certificate of the seal is revoked
        from now on with ``reason_code`` (an RFC 5280 CRLReason)."""
        if reason_code not in REVOCATION_REASONS:
            codes = ", ".join(REVOCATION_REASONS)
            raise InvalidInput("REVOCATION_REASON", f"吊销原因代码应为：{codes}",
                               f"The reason code must be one of: {codes}", field="reason_code")
        seal, text = self._checked(seal_ref, reason, "revoke", (ACTIVE, SUSPENDED))
        now = self._clock.now()
        self._set_certificates(seal, lambda revoked: revoked in (None, HOLD), now, reason_code)
        return self._move(seal, REVOKED, text, now, "seal.revoke", {"reason_code": reason_code})

    def destroy(self, seal_ref: str, reason: str) -> Transition:
        """revoked -> destroyed: every private key the seal had is destroyed; the record,
        its certificates and its audit trail are kept."""
        seal, text = self._checked(seal_ref, reason, "destroy", (REVOKED,))
        keys = [seal.key_id, *(key for _, key in self._repos.superseded_certificates(seal.id))]
        destroyed = [key for key in dict.fromkeys(keys) if self._keys.destroy_key(key)]
        return self._move(seal, DESTROYED, text, self._clock.now(), "seal.destroy",
                          {"keys": keys, "keys_destroyed": len(destroyed)})

    def renew(self, seal_ref: str, reason: str, public_url: str) -> Transition:
        """A new certificate over a new key pair of the same algorithm for the same seal (id,
        name, image, organisation, issuing CA; an SM2 seal also gets a new .esl, same esID,
        listing the new certificate). The old certificate is superseded, not revoked: documents
        sealed with it stay valid; its key is kept, unused, until the seal is destroyed."""
        seal, text = self._checked(seal_ref, reason, "renew", (ACTIVE,))
        if seal.origin != "platform":
            raise Conflict("SEAL_IMPORTED_RENEW",
                           f"印章「{seal.name}」由外部制章单位制作，请由其续期后重新导入",
                           f"Seal '{seal.name}' was made elsewhere: have its maker renew it, "
                           "then import the new one", field="seal")
        old = self._pki_cert(seal.cert_id)
        org = self._repos.get_organization(seal.org_id)
        assert org is not None and old.issuer_id is not None
        new = self._pki.issue_seal_certificate(old.issuer_id, seal.name, org.name, org.uscc,
                                               public_url, sandbox=seal.sandbox,
                                               algorithm=seal.algorithm,
                                               key_prefix=key_id_prefix(key_store_of(seal.key_id)))
        assert new.key_id is not None
        now = self._clock.now()
        self._repos.replace_seal_certificate(seal, new.id, new.key_id, now)
        sm2: dict[str, object] = {}
        if seal.algorithm == "sm2":  # a new SES_Seal listing the new certificate
            assert seal.es_id is not None
            esl = build_esl(self._pki, es_id=seal.es_id, seal_type=seal.design.seal_type,
                            name=seal.name, artwork=seal.artwork, cert=new,
                            sandbox=seal.sandbox)
            self._repos.set_seal_esl(seal.id, esl)
            sm2 = {"esl_sha256": hashlib.sha256(esl).hexdigest()}
        return self._move(seal, ACTIVE, text, now, "seal.renew", {
            "old_cert": old.id, "old_serial": old.serial_hex, "new_cert": new.id,
            "new_serial": new.serial_hex, "new_not_after": new.not_after.isoformat(), **sm2})

    def expiring(self, days: int, org_id: str | None = None) -> list[ExpiringSeal]:
        """Active seals whose certificate ends within ``days`` days (or has ended)."""
        if not 0 <= days <= MAX_EXPIRY_DAYS:
            raise InvalidInput("EXPIRY_DAYS", f"天数应在 0–{MAX_EXPIRY_DAYS} 之间",
                               f"days must be 0-{MAX_EXPIRY_DAYS}", field="days")
        before = self._clock.now() + timedelta(days=days)
        return [ExpiringSeal(s, end) for s, end in self._repos.expiring_seals(before, org_id)]

    # --------------------------------------------------------------------------------------
    def _checked(self, seal_ref: str, reason: str, action: str,
                 allowed: tuple[str, ...]) -> tuple[SealRecord, str]:
        text = (reason or "").strip()
        if not text or len(text) > MAX_REASON:
            raise InvalidInput("REASON_REQUIRED", f"请填写原因（1–{MAX_REASON} 个字符）",
                               f"A reason is required (1-{MAX_REASON} characters)",
                               field="reason")
        seal = find_seal(self._repos, seal_ref)
        if seal.status not in allowed:
            raise refused(seal, action)
        return seal, text

    def _set_certificates(self, seal: SealRecord, which: _Filter, when: datetime | None,
                          reason: str | None) -> None:
        """Set the revocation state of the seal's certificates ``which`` selects (by their
        current reason), then issue a new CRL for each CA concerned."""
        cert_ids = [seal.cert_id, *(c for c, _ in self._repos.superseded_certificates(seal.id))]
        issuers: set[str] = set()
        for cert_id in cert_ids:
            current = self._repos.revocation_of(cert_id)
            if which(None if current is None else current.reason):
                self._repos.set_certificate_revocation(cert_id, when, reason)
                issuer_id = self._pki_cert(cert_id).issuer_id
                if issuer_id is not None and _ours(self._pki_cert(issuer_id)):
                    issuers.add(issuer_id)
        # An imported seal's certificate was issued by another CA, which owns its CRL: the
        # status is recorded here (uses refused), nothing is published (docs/sm2-seals.md).
        for issuer_id in sorted(issuers):
            self._pki.publish_crl(issuer_id)

    def _move(self, seal: SealRecord, status: str, reason: str, when: datetime, action: str,
              details: dict[str, object] | None = None) -> Transition:
        if status != seal.status or action == "seal.renew":
            self._repos.set_seal_status(seal.id, status, reason, when)
        self._audit.record(action, org_id=seal.org_id, target=f"seal:{seal.id}", details={
            "before": seal.status, "after": status, "reason": reason, **(details or {})})
        now = find_seal(self._repos, seal.id)
        return Transition(now, seal.status, reason, when)

    def _pki_cert(self, cert_id: str) -> CertificateRecord:
        record = self._repos.get_certificate(cert_id)
        assert record is not None
        return record


_OUR_CAS = (CertificateRole.ROOT_CA, CertificateRole.ORG_CA, CertificateRole.SM2_ROOT_CA,
            CertificateRole.SM2_ORG_CA)


def _ours(issuer: CertificateRecord) -> bool:
    """Whether ``issuer`` is a CA of this instance (which publishes its CRL)."""
    return issuer.role in _OUR_CAS and issuer.key_id is not None


class _Filter(Protocol):
    def __call__(self, reason: str | None) -> bool: ...


_VERB = {"suspend": ("挂失", "suspended"), "resume": ("恢复", "resumed"),
         "revoke": ("吊销", "revoked"), "destroy": ("销毁", "destroyed"),
         "renew": ("续期", "renewed")}


def refused(seal: SealRecord, action: str) -> Conflict:
    """Conflict naming the seal's current state, in Chinese and English."""
    zh_verb, en_verb = _VERB[action]
    hint_zh = "（只能销毁已吊销的印章）" if action == "destroy" else ""
    hint_en = " (only a revoked seal can be destroyed)" if action == "destroy" else ""
    state_zh = STATUS_ZH.get(seal.status, seal.status)
    return Conflict("SEAL_STATE",
                    f"印章「{seal.name}」当前状态为{state_zh}，不能{zh_verb}{hint_zh}",
                    f"Seal '{seal.name}' is {seal.status}; it cannot be {en_verb}{hint_en}",
                    field="seal", state=seal.status)


__all__ = ["ACTIVE", "DESTROYED", "REVOKED", "SUSPENDED", "ExpiringSeal", "LifecycleRepos",
           "SealLifecycle", "Transition", "refused"]
