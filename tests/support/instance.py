"""The test PKI and instance, declared once: a real root CA, TSA, organisation and seals."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import x509

from openseal.bootstrap import Wiring, load_master_key
from openseal.config import Settings
from openseal.core.identity.service import create_organization
from openseal.core.pki.issuance import certificate_to_pem
from openseal.core.records import OrganizationRecord, SealRecord
from openseal.core.seals.service import SealOrder, create_seal
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.placement import Placement
from openseal.core.signing.service import SealerCache, seal_document
from openseal.interfaces.cli.operator import operator

ORG_NAME = "北京开源印章科技有限公司"
ORG_USCC = "91350100M000100Y43"


@dataclass
class TestInstance:
    __test__ = False  # a fixture object, not a test class

    wiring: Wiring
    org: OrganizationRecord
    seals: dict[str, SealRecord]
    roots: list[x509.Certificate]
    roots_pem: Path
    cache: SealerCache = field(default_factory=SealerCache)

    def seal(self, pdf: bytes, seal_type: str = "contract", page: int = 1,
             x: float | None = None, y: float | None = None, size: float | None = None,
             reason: str | None = None) -> bytes:
        request = SealRequest(Placement(page, x, y, size), reason, None)
        with self.wiring.context() as c:
            done = seal_document(c.repos, c.pki, c.keystore, c.clock, self.cache,
                                 self.seals[seal_type].id, pdf, request, audit=c.audit,
                                 principal=operator(self.org.id))
        return done.pdf


def make_instance(home: Path, database_url: str | None = None,
                  seal_types: tuple[str, ...] = ("contract",)) -> TestInstance:
    settings = Settings(home=home, database_url=database_url)
    wiring = Wiring(settings)
    wiring.migrate()
    load_master_key(settings, create=True)
    with wiring.context() as c:
        c.pki.init_instance("OpenSeal Test")
        org = create_organization(c.repos, c.pki, c.clock, ORG_NAME, ORG_USCC, audit=c.audit)
        seals = {t: create_seal(c.repos, c.pki, c.clock,
                                SealOrder(org.id, t, _seal_name(t)), settings.base_url,
                                audit=c.audit)
                 for t in seal_types}
        roots = c.pki.trust_anchors()
    roots_pem = home / "roots.pem"
    roots_pem.write_text("".join(certificate_to_pem(r) for r in roots))
    return TestInstance(wiring, org, seals, roots, roots_pem)


def _seal_name(seal_type: str) -> str:
    return {"legal-rep": "张三", "official": "公章", "contract": "合同专用章",
            "finance": "财务专用章", "invoice": "发票专用章"}.get(seal_type, seal_type)
