"""Worker processes: each opens the instance once, then seals its share of documents.

Two ways of sealing, the same key, certificate, TSA and appearance:

* ``openseal``: one ``PdfSealer`` built once (``SealerCache``), ``seal()`` per document.
* ``pyhanko``: pyHanko's standard use, per document: ``SimpleSigner.load`` from an
  encrypted PEM, a new ``PdfSigner`` and ``sign_pdf`` (dry-run size estimate, asyncio.run).
"""

from __future__ import annotations

import io
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from bench.fixture import PASSPHRASE, BenchHome
from bench.inputs import load_inputs
from openseal.bootstrap import Wiring
from openseal.config import Settings
from openseal.core.pki.tsa import InProcessTimeStamper
from openseal.core.seals.service import find_seal
from openseal.core.signing.appearance import SealImage, stamp_style
from openseal.core.signing.pdf import SealRequest
from openseal.core.signing.placement import Placement, resolve_box
from openseal.core.signing.preflight import open_for_sealing, page_box
from openseal.core.signing.service import SealerCache

SealFn = Callable[[str, bytes], bytes]
FIELD = "Signature1"


@dataclass(frozen=True)
class Task:
    who: str  # "openseal" or "pyhanko"
    doc: str
    count: int


def run_worker(bench: BenchHome, tasks: list[Task], barrier: Any, queue: Any,
               out_dir: Path | None) -> None:
    """Run ``tasks`` in order, each started together with the other workers (barrier).

    Both ways of sealing are set up once per process, outside any timing.
    """
    docs = load_inputs()
    sealers = {"openseal": _openseal(bench), "pyhanko": pyhanko_sealer(bench)}
    seen: set[tuple[str, str]] = set()
    for index, task in enumerate(tasks):
        seal, pdf = sealers[task.who], docs[task.doc]
        extra: dict[str, float] = {}
        if (task.who, task.doc) not in seen:
            seen.add((task.who, task.doc))
            first = seal(task.doc, pdf)  # warm-up; this output is the one validated
            if out_dir is not None:
                (out_dir / f"{task.who}-{task.doc}.pdf").write_bytes(first)
            extra["added_mb"] = _traced_peak_mb(seal, task.doc, pdf)
        barrier.wait()
        start, cpu = time.monotonic(), time.process_time()
        for _ in range(task.count):
            seal(task.doc, pdf)
        end, cpu = time.monotonic(), time.process_time() - cpu
        queue.put({"task": index, "who": task.who, "doc": task.doc, "count": task.count,
                   "start": start, "end": end, "cpu": cpu, **extra})


def _traced_peak_mb(seal: SealFn, name: str, pdf: bytes) -> float:
    """Peak memory Python allocates while sealing one document (input bytes excluded)."""
    tracemalloc.start()
    try:
        seal(name, pdf)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _openseal(bench: BenchHome) -> SealFn:
    wiring = Wiring(Settings(home=bench.home))
    with wiring.context() as c:
        sealer = SealerCache().get(find_seal(c.repos, bench.seal_id), c.pki, c.keystore)
    request = SealRequest()
    return lambda _name, pdf: sealer.seal(pdf, request)[0]


def pyhanko_sealer(bench: BenchHome) -> SealFn:
    """pyHanko's standard use, per document (module docstring); also used by bench.batch."""
    wiring = Wiring(Settings(home=bench.home))
    with wiring.context() as c:
        seal = find_seal(c.repos, bench.seal_id)
        timestamper = InProcessTimeStamper(c.pki.timestamp_authority())
    art = seal.artwork
    image = SealImage(art.width_mm, art.height_mm, vector=art.vector,
                      png=None if art.vector else art.png)
    style = stamp_style(image)
    boxes: dict[str, tuple[float, float, float, float]] = {}

    def sign(name: str, pdf: bytes) -> bytes:
        if name not in boxes:  # the same box OpenSeal picks; computed once, outside timing
            boxes[name] = resolve_box(Placement(), page_box(open_for_sealing(pdf).prev, 1),
                                      image.width_mm, image.height_mm)
        signer = signers.SimpleSigner.load(
            str(bench.key_pem), str(bench.cert_pem),
            ca_chain_files=tuple(str(p) for p in bench.chain_pems), key_passphrase=PASSPHRASE)
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
        pdf_signer = signers.PdfSigner(
            meta, signer, timestamper=timestamper, stamp_style=style,
            new_field_spec=fields.SigFieldSpec(FIELD, on_page=0, box=boxes[name]))
        out = io.BytesIO()
        pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
        return out.getvalue()

    return sign
