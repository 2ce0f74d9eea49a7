"""``python -m bench.ofd [--quick]``: SM2 OFD seals per second, beside the PDF figure.

One process seals a 1-page OFD again and again with a v4 seal (SM2 signer key held as the
key store holds it: loaded once) and compares it, in alternating rounds under the same
load, with the raw library: one GmSSL SM2 signature (gmssl-pyx) of a TBS_Sign-sized message,
the one step a seal cannot skip. Each side's figure is its best round (as ``timeit``), the
median is recorded too. The PDF figure beside it is ``bench.run``'s 1-page, 1-process
OpenSeal figure from bench/results/latest.json (``make bench`` runs it first, in the same
run). Every output is checked with the product's own verifier. Results:
bench/results/ofd.json and a printed table.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image

from bench.inputs import RESULTS
from openseal.core.gm import sm2
from openseal.core.ofd.sign import OfdStamp, seal_ofd
from openseal.core.ofd.verify import verify_ofd
from tests.support.ofd import make_ofd, sm2_world

PLAN = {"quick": (3, 40, 400), "full": (5, 200, 2000)}  # rounds, seals, raw signatures
STAMP = (OfdStamp(page=1, x_mm=130, y_mm=40),)


def _picture() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (400, 400), (255, 0, 0, 0)).save(out, "PNG")
    return out.getvalue()


def _rate(work: Callable[[], object], count: int) -> float:
    began = time.perf_counter()
    for _ in range(count):
        work()
    return count / (time.perf_counter() - began)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few iterations, < 30 s")
    mode = "quick" if parser.parse_args(argv).quick else "full"
    rounds, seals, raw = PLAN[mode]
    world = sm2_world(_picture())
    document, now = make_ofd(1), world.now
    private, public = world.signer_key
    message = bytes(5_000)

    def seal_once() -> bytes:
        return seal_ofd(document, seal=world.seal, signer_cert=world.signer, sign=world.sign,
                        stamps=STAMP, signed_at=now)

    sealed = seal_once()
    checked = verify_ofd(sealed)
    assert checked.status == "VALID", checked
    ofd_rates, raw_rates = [], []
    for _ in range(rounds):
        raw_rates.append(_rate(lambda: sm2.sign(private, public, message), raw))
        ofd_rates.append(_rate(seal_once, seals))
    report = _report(mode, ofd_rates, raw_rates, _pdf_figure(), len(sealed))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ofd.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    _print(report)


def _pdf_figure() -> float | None:
    """bench.run's best 1-page, 1-process OpenSeal rate, if it ran (make bench)."""
    latest = RESULTS / "latest.json"
    if not latest.is_file():
        return None
    for row in json.loads(latest.read_text()).get("rows", []):
        if (row.get("who"), row.get("procs"), row.get("doc")) == ("openseal", 1, "1-page"):
            return float(row.get("docs_per_s") or 0) or None
    return None


def _report(mode: str, ofd: list[float], raw: list[float], pdf: float | None,
            size: int) -> dict[str, Any]:
    return {"when": datetime.now(UTC).isoformat(timespec="seconds"), "mode": mode,
            "ofd_seals_per_s": {"best": max(ofd), "median": statistics.median(ofd)},
            "raw_sm2_signatures_per_s": {"best": max(raw), "median": statistics.median(raw)},
            "ratio_best": max(ofd) / max(raw), "pdf_1_page_per_s": pdf,
            "sealed_bytes": size, "outputs_verified": True}


def _print(report: dict[str, Any]) -> None:
    ofd, raw = report["ofd_seals_per_s"], report["raw_sm2_signatures_per_s"]
    print(f"OFD 1-page SM2 seals/s: best {ofd['best']:.0f}, median {ofd['median']:.0f}")
    print(f"raw GmSSL SM2 signatures/s: best {raw['best']:.0f}, median {raw['median']:.0f}")
    print(f"OFD seal / raw signature: {report['ratio_best']:.2f}x (1.00 = nothing but the "
          "signature)")
    pdf = report["pdf_1_page_per_s"]
    print("PDF 1-page seals/s (bench.run, same run): "
          + (f"{pdf:.0f}" if pdf else "not measured (run make bench)"))
    print(f"written: {Path(RESULTS / 'ofd.json')}")


if __name__ == "__main__":
    main()
