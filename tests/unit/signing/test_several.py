"""Several seals in one operation (core.signing.several): each its own signature in its own
incremental update, side by side by default (rendered by poppler, red pixels counted); the
first may certify (DocMDP P=2) and then leaves fields for the others, which stay VALID; one
refused seal writes nothing. pyHanko, our verifier, pdfsig and qpdf agree."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm

from openseal.core.signing.cms_parts import CmsParts
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.placement import DEFAULT_MARGIN_MM, PT_PER_MM, Placement
from openseal.core.signing.service import SealedDocument
from openseal.core.signing.several import (
    SealStep,
    left_fields,
    parse_at,
    plan,
    seal_several,
)
from openseal.core.verification import verify_pdf
from openseal.errors import Conflict, InvalidInput, OpenSealError
from openseal.interfaces.cli.operator import operator
from tests.support.instance import TestInstance
from tests.support.pdfs import reportlab_pdf
from tests.support.tools import require_tool
from tests.unit.signing.test_keyword import A, centroid, contract_with_keywords, red_pixels, seal

PAGE_W = 595.2756 / PT_PER_MM  # A4, mm


def _several(instance: TestInstance, pdf: bytes, kinds: list[str], base: SealRequest,
             at: tuple[str, ...] = ()) -> list[SealedDocument]:
    with instance.wiring.context() as c:
        refs = [instance.seals[k].id if k in instance.seals else k for k in kinds]
        steps = plan(c.repos, pdf, refs, base, at)
        return seal_several(c.repos, c.pki, c.keystore, c.clock, instance.cache, steps, pdf,
                            audit=c.audit, principal=operator(instance.org.id))


def _width(instance: TestInstance, kind: str) -> tuple[float, float]:
    art = instance.seals[kind].artwork
    return art.width_mm, art.height_mm


def _all_valid(pdf: bytes, instance: TestInstance, tmp: Path, count: int) -> None:
    report = verify_pdf(pdf, instance.roots, filename="several.pdf")
    assert report.verdict == "VALID"
    assert [s["verdict"] for s in report.to_dict()["signatures"]] == ["VALID"] * count
    signed = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert len({s.signed_revision for s in signed}) == count  # one update each
    path = tmp / "several.pdf"
    path.write_bytes(pdf)
    said = subprocess.run([require_tool("pdfsig"), str(path)], capture_output=True, text=True,
                          timeout=60).stdout
    assert said.count("Signature Validation: Signature is Valid.") == count, said
    subprocess.run([require_tool("qpdf"), "--check", str(path)], check=True,
                   capture_output=True, timeout=60)


def test_side_by_side_each_its_own_signature(sealing_instance: TestInstance,
                                             tmp_path: Path) -> None:
    done = _several(sealing_instance, reportlab_pdf(), ["official", "legal-rep"],
                    SealRequest())
    assert [d.record.field_name for d in done] == ["OpenSeal1", "OpenSeal2"]
    assert done[1].record.input_sha256 == done[0].record.output_sha256  # fed one into next
    assert len({d.record.id for d in done}) == 2
    sealed = done[-1].pdf
    _all_valid(sealed, sealing_instance, tmp_path, 2)
    (w0, h0), (w1, h1) = _width(sealing_instance, "official"), _width(sealing_instance,
                                                                     "legal-rep")
    edge = PAGE_W - DEFAULT_MARGIN_MM - w0  # the first seal's left edge
    points = red_pixels(sealed, 1, tmp_path)
    first = centroid([p for p in points if p[0] >= edge])
    second = centroid([p for p in points if p[0] < edge])
    assert abs(first[0] - (edge + w0 / 2)) < 3 and abs(first[1] - (25 + h0 / 2)) < 3
    assert abs(second[0] - (edge - w1 / 2)) < 3 and abs(second[1] - (25 + h1 / 2)) < 3


def test_first_certifies_and_leaves_fields_for_the_others(sealing_instance: TestInstance,
                                                          tmp_path: Path) -> None:
    calls: list[int] = []
    original = CmsParts.signed_attrs

    def spy(self: CmsParts, *args: object, **kwargs: object) -> object:
        calls.append(1)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    with mock.patch.object(CmsParts, "signed_attrs", spy):
        done = _several(sealing_instance, reportlab_pdf(pages=2),
                        ["official", "legal-rep", "contract"], SealRequest(certify=True),
                        at=("1:140:30", "2:90:30", "1:40:30"))
    assert len(calls) == 3  # the pre-encoded fast path, certification included
    sealed = done[-1].pdf
    signed = PdfFileReader(io.BytesIO(sealed)).embedded_signatures
    assert [s.field_name for s in signed] == ["OpenSeal1", "OpenSeal2", "OpenSeal3"]
    assert signed[0].docmdp_level == MDPPerm.FILL_FORMS  # P=2
    _all_valid(sealed, sealing_instance, tmp_path, 3)
    assert [p for p in red_pixels(sealed, 2, tmp_path) if 85 < p[0] < 140]  # the 2nd seal
    # no field left: a further seal would break the certification, so it is refused
    with pytest.raises(Conflict) as refused:
        seal(sealing_instance, sealed)
    assert refused.value.code == "CERTIFIED_NO_FIELD"


def test_certification_refused_once_signed(sealing_instance: TestInstance) -> None:
    once = seal(sealing_instance, reportlab_pdf())
    with pytest.raises(Conflict) as refused:
        seal(sealing_instance, once, certify=True)
    assert refused.value.code == "ALREADY_SIGNED"
    assert "already signed" in str(refused.value)
    with pytest.raises(InvalidInput) as second:
        with sealing_instance.wiring.context() as c:
            ref = sealing_instance.seals["contract"].id
            seal_several(c.repos, c.pki, c.keystore, c.clock, sealing_instance.cache,
                         [SealStep(ref, SealRequest()), SealStep(ref, SealRequest(certify=True))],
                         reportlab_pdf(), audit=c.audit,
                         principal=operator(sealing_instance.org.id))
    assert second.value.code == "CERTIFY_FIRST"


def test_certified_document_takes_no_new_drawing(sealing_instance: TestInstance) -> None:
    certified = seal(sealing_instance, contract_with_keywords(), certify=True,
                     reserve=(Placement(1, 20, 20),))
    with pytest.raises(Conflict) as refused:
        seal(sealing_instance, certified, keyword=A)
    assert refused.value.code == "CERTIFIED_NO_DRAWING"


def test_one_refused_seal_writes_nothing(sealing_instance: TestInstance) -> None:
    org = sealing_instance.org.id
    with sealing_instance.wiring.context() as c:
        before = len(c.repos.list_sealed_documents(org, 1000))
    with pytest.raises(OpenSealError) as refused:
        _several(sealing_instance, reportlab_pdf(), ["contract", "no-such-seal"],
                 SealRequest(), at=("1:120:30", "1:60:30"))
    assert refused.value.code == "SEAL_NOT_FOUND"
    with sealing_instance.wiring.context() as c:
        assert len(c.repos.list_sealed_documents(org, 1000)) == before


def test_positions_are_checked(sealing_instance: TestInstance) -> None:
    assert parse_at("2:10.5:20") == Placement(2, 10.5, 20.0)
    for bad in ("2:10", "a:1:2", "1:2:3:4", "1:1e9:2"):
        with pytest.raises(InvalidInput) as refused:
            parse_at(bad)
        assert refused.value.code == "POSITION_INVALID", bad
    ref = sealing_instance.seals["contract"].id
    with sealing_instance.wiring.context() as c:
        for refs, at, code in (([ref, ref], ("1:1:1",), "POSITION_COUNT"), ([], (), "SEAL_COUNT"),
                               ([ref] * 11, (), "SEAL_COUNT")):
            with pytest.raises(InvalidInput) as refused:
                plan(c.repos, reportlab_pdf(), refs, SealRequest(), at)
            assert refused.value.code == code
    with pytest.raises(InvalidInput) as refused:
        left_fields(False, ["1:1:1"])
    assert refused.value.code == "LEAVE_NEEDS_CERTIFY"
    assert left_fields(True, ["1:10:20"]) == (Placement(1, 10.0, 20.0),)
