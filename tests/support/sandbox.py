"""Sandbox (unverified) organisations and their test seals, on a real test instance."""

from __future__ import annotations

import uuid
from pathlib import Path

from asn1crypto import x509

from openseal.core.pki.issuance import certificate_to_pem
from openseal.core.records import OrganizationProfile, OrganizationRecord, SealRecord
from openseal.core.seals.service import SealOrder, create_seal
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.placement import Placement
from openseal.core.signing.service import seal_document
from openseal.interfaces.cli.operator import operator
from tests.support.instance import TestInstance

SANDBOX_ORG_NAME = "上海沙箱试用有限公司"
SANDBOX_USCC = "91310000MA1FL0000N"


def unverified_profile(org_id: str) -> OrganizationProfile:
    return OrganizationProfile(org_id, "unverified", "法人", "联系人", "a@example.com", None,
                               False, None)


def add_sandbox_org(instance: TestInstance, name: str = SANDBOX_ORG_NAME,
                    uscc: str = SANDBOX_USCC) -> OrganizationRecord:
    """An unverified organisation, as registration makes one: a CA under the test root."""
    with instance.wiring.context() as c:
        org_id = str(uuid.uuid4())
        ca = c.pki.issue_org_ca(org_id, name, uscc, sandbox=True)
        record = OrganizationRecord(org_id, name, uscc, ca.id, c.clock.now())
        c.repos.add_organization(record)
        c.repos.save_org_profile(unverified_profile(org_id))
    return record


def add_seal(instance: TestInstance, org_id: str, seal_type: str = "contract",
             name: str = "合同专用章", image: bytes | None = None) -> SealRecord:
    order = SealOrder(org_id, seal_type, name, image=image, white_to_transparent=True)
    with instance.wiring.context() as c:
        return create_seal(c.repos, c.pki, c.clock, order, instance.wiring.settings.base_url,
                           audit=c.audit)


def seal_pdf(instance: TestInstance, seal: SealRecord, pdf: bytes) -> bytes:
    """``pdf`` sealed with ``seal`` in the default corner of page 1."""
    request = SealRequest(Placement(1, None, None, None), None, None)
    with instance.wiring.context() as c:
        return seal_document(c.repos, c.pki, c.keystore, c.clock, instance.cache, seal.id, pdf,
                             request, audit=c.audit, principal=operator(seal.org_id)).pdf


def sandbox_anchors(instance: TestInstance) -> list[x509.Certificate]:
    with instance.wiring.context() as c:
        return c.pki.test_anchors()


def write_pem(path: Path, *certs: x509.Certificate) -> Path:
    path.write_text("".join(certificate_to_pem(cert) for cert in certs))
    return path
