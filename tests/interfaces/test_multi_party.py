"""Several parties seal one document in turn, through the API and the CLI: organisation A
certifies (DocMDP P=2) and leaves fields for the others, organisation B seals later, then an
outsider signs with pyHanko and a self-made certificate. Every earlier signature stays
VALID; pdfsig and qpdf agree. Several seals in one operation are all or nothing."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import MDPPerm

from tests.support.api import ORGS, World, make_world
from tests.support.cli import WorldCli
from tests.support.pdfs import reportlab_pdf
from tests.support.producers import _third_party_signer
from tests.support.tools import require_tool

PDF = "application/pdf"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("multi-party") / "home")


def _outsider_signs(pdf: bytes, field: str) -> bytes:
    """A third party, with pyHanko's own signer and a self-made certificate, signs into
    ``field`` (the one A left for it)."""
    out = io.BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)),
                     signers.PdfSignatureMetadata(field_name=field, md_algorithm="sha256",
                                                  subfilter=fields.SigSeedSubFilter.PADES),
                     signer=_third_party_signer(), output=out)
    return out.getvalue()


def _tools_agree(pdf: bytes, tmp: Path, signatures: int) -> None:
    path = tmp / "parties.pdf"
    path.write_bytes(pdf)
    said = subprocess.run([require_tool("pdfsig"), str(path)], capture_output=True, text=True,
                          timeout=60).stdout
    assert len(re.findall(r"Signature #\d+:", said)) == signatures, said
    assert said.count("Signature Validation: Signature is Valid.") == signatures, said
    subprocess.run([require_tool("qpdf"), "--check", str(path)], check=True,
                   capture_output=True, timeout=60)


def _signatures(world: World, pdf: bytes) -> list[dict[str, object]]:
    report = world.client().post("/api/v1/verify", files={"file": ("p.pdf", pdf, PDF)})
    assert report.status_code == 200, report.text
    return list(report.json()["signatures"])


def test_three_parties_in_turn(world: World, tmp_path: Path) -> None:
    a, b = world.parties["A"], world.parties["B"]
    first = world.login(a.member).post("/api/v1/documents/seal", data={
        "seal_id": a.seal_id, "certify": "true", "x": "140", "y": "30",
        "leave": ["1:90:30", "1:40:30"]},
        files={"file": ("contract.pdf", reportlab_pdf(), PDF)})
    assert first.status_code == 200, first.text
    signed = PdfFileReader(io.BytesIO(first.content)).embedded_signatures
    assert [s.field_name for s in signed] == ["OpenSeal1"]
    assert signed[0].docmdp_level == MDPPerm.FILL_FORMS  # P=2
    second = world.login(b.member).post("/api/v1/documents/seal", data={
        "seal_id": b.seal_id}, files={"file": ("contract.pdf", first.content, PDF)})
    assert second.status_code == 200, second.text
    third = _outsider_signs(second.content, "OpenSeal3")

    report = world.client().post("/api/v1/verify", files={"file": ("p.pdf", third, PDF)})
    assert report.status_code == 200, report.text
    # the outsider's self-made certificate leaves the whole document INDETERMINATE ...
    assert report.json()["verdict"] == "INDETERMINATE"
    found = {s["field"]: s for s in report.json()["signatures"]}
    assert list(found) == ["OpenSeal1", "OpenSeal2", "OpenSeal3"]
    # ... while each party's own seal stays VALID, with its organisation in the report
    parties = {f: (s["verdict"], s["reasons"], s["organization"], s["modification"])
               for f, s in found.items()}
    assert parties["OpenSeal1"] == ("VALID", [], ORGS["A"][0], "FORM_FILLING")
    assert parties["OpenSeal2"] == ("VALID", [], ORGS["B"][0], "FORM_FILLING")
    assert parties["OpenSeal3"] == ("INDETERMINATE", ["UNTRUSTED_SIGNER", "NO_TIMESTAMP"],
                                    "Elsewhere Ltd.", "NONE")
    assert found["OpenSeal3"]["trusted"] is False and found["OpenSeal3"]["intact"] is True
    _tools_agree(third, tmp_path, 3)


def test_certify_refused_on_a_signed_document(world: World) -> None:
    a = world.parties["A"]
    client = world.login(a.member)
    once = client.post("/api/v1/documents/seal", data={"seal_id": a.seal_id},
                       files={"file": ("c.pdf", reportlab_pdf(), PDF)})
    assert once.status_code == 200, once.text
    again = client.post("/api/v1/documents/seal", data={"seal_id": a.seal_id,
                                                       "certify": "true"},
                        files={"file": ("c.pdf", once.content, PDF)})
    assert again.status_code == 409 and again.json()["code"] == "ALREADY_SIGNED"


def test_several_seals_in_one_request_all_or_nothing(world: World, tmp_path: Path) -> None:
    a, b = world.parties["A"], world.parties["B"]
    client = world.login(a.member)
    before = len([e for e in world.audit("seal.use") if e["outcome"] == "success"])
    two = client.post("/api/v1/documents/seal", data={
        "seal_id": [a.seal_id, a.seal_id], "certify": "true"},
        files={"file": ("c.pdf", reportlab_pdf(), PDF)})
    assert two.status_code == 200, two.text
    found = _signatures(world, two.content)
    assert [(s["field"], s["verdict"]) for s in found] == [("OpenSeal1", "VALID"),
                                                            ("OpenSeal2", "VALID")]
    _tools_agree(two.content, tmp_path, 2)
    used = [e for e in world.audit("seal.use") if e["outcome"] == "success"]
    assert len(used) == before + 2
    fields_used = {e["details"]["field"] for e in used[-2:]}  # type: ignore[index]
    assert fields_used == {"OpenSeal1", "OpenSeal2"}
    documents = client.get("/api/v1/documents").json()
    # the second seal is not A's: refused, and the first one is not written either
    refused = client.post("/api/v1/documents/seal", data={
        "seal_id": a.seal_id, "seal_ids": [b.seal_id]},
        files={"file": ("c.pdf", reportlab_pdf(), PDF)})
    assert refused.status_code == 404 and refused.json()["code"] == "SEAL_NOT_FOUND"
    assert client.get("/api/v1/documents").json() == documents
    assert len([e for e in world.audit("seal.use") if e["outcome"] == "success"]) == before + 2


def test_cli_several_seals_with_positions(world: World, tmp_path: Path) -> None:
    a = world.parties["A"]
    source, out = tmp_path / "in.pdf", tmp_path / "out.pdf"
    source.write_bytes(reportlab_pdf())
    done = WorldCli(world).json("sign", str(source), "--seal", a.seal_id, "--seal",
                                a.seal_id, "--at", "1:130:40", "--at", "1:60:40",
                                "--certify", "-o", str(out))
    assert [s["field"] for s in done["seals"]] == ["OpenSeal1", "OpenSeal2"]
    sealed = out.read_bytes()
    assert [s["verdict"] for s in _signatures(world, sealed)] == ["VALID", "VALID"]
    _tools_agree(sealed, tmp_path, 2)
    late = tmp_path / "late.pdf"
    refused = WorldCli(world).json("sign", str(out), "--seal", a.seal_id, "-o", str(late),
                                   expect=2)
    assert refused["error"] == "CERTIFIED_NO_FIELD" and not late.exists()
    wrong = WorldCli(world).json("sign", str(source), "--seal", a.seal_id, "--seal",
                                 a.seal_id, "--at", "1:130:40", "-o", str(late), expect=2)
    assert wrong["error"] == "POSITION_COUNT" and not late.exists()
