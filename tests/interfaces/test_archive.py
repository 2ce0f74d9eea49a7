"""`openseal archive refresh DIR`: archived documents get a new document timestamp before
the TSA certificate behind their latest one expires (or their first one); they stay VALID,
one bad file does not stop the rest, and each renewal is audited."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader

from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.service import seal_document
from openseal.core.verification import verify_pdf
from openseal.core.verification.policy import local_revocation_policy
from openseal.interfaces.cli.operator import operator
from tests.support.instance import TestInstance
from tests.support.pdfs import reportlab_pdf


def _sealed(instance: TestInstance, level: str) -> bytes:
    with instance.wiring.context() as c:
        return seal_document(c.repos, c.pki, c.keystore, c.clock, instance.cache,
                             instance.seals["contract"].id, reportlab_pdf(title=level),
                             SealRequest(), audit=c.audit, principal=operator(instance.org.id),
                             level=level).pdf


def _refresh(instance: TestInstance, folder: Path, days: int, expect: int) -> dict[str, Any]:
    env = {**os.environ, "OPENSEAL_HOME": str(instance.wiring.settings.home)}
    env.pop("OPENSEAL_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "openseal", "archive", "refresh", str(folder),
                           "--days", str(days), "--json"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == expect, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return {Path(f["file"]).name: f["result"] for f in json.loads(done.stdout)["files"]}


def _timestamps(pdf: bytes) -> int:
    return sum(s.sig_object_type == "/DocTimeStamp"
               for s in PdfFileReader(io.BytesIO(pdf)).embedded_signatures)


def test_archive_refresh(fresh_instance: TestInstance, tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "lta.pdf").write_bytes(_sealed(fresh_instance, "B-LTA"))
    (folder / "lt.pdf").write_bytes(_sealed(fresh_instance, "B-LT"))
    (folder / "plain.pdf").write_bytes(reportlab_pdf())
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\nnot really")
    first = _refresh(fresh_instance, folder, 30, expect=1)  # broken.pdf fails
    assert first == {"lta.pdf": "current", "lt.pdf": "renewed", "plain.pdf": "unsigned",
                     "broken.pdf": "failed"}
    assert _timestamps((folder / "lt.pdf").read_bytes()) == 1
    (folder / "broken.pdf").unlink()
    second = _refresh(fresh_instance, folder, 20 * 365, expect=0)  # the TSA's 10 years: due
    assert second == {"lta.pdf": "renewed", "lt.pdf": "renewed", "plain.pdf": "unsigned"}
    with fresh_instance.wiring.context() as c:
        crls = c.pki.revocation_lists()
        renewals = [e for e, _ in c.repos.list_audit(action="archive.timestamp")]
    assert len(renewals) == 3
    for name, stamps in (("lta.pdf", 2), ("lt.pdf", 2)):
        pdf = (folder / name).read_bytes()
        assert _timestamps(pdf) == stamps
        report = verify_pdf(pdf, fresh_instance.roots, policy=local_revocation_policy(crls))
        assert report.verdict == "VALID", report.to_dict()
        assert report.signatures[0].pades_level == "B-LTA"
