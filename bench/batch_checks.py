"""What the batch benchmark checks before any figure counts.

* Both sides: exactly one output per input (same names), and a sample of outputs valid
  under bench/validate.py (pyHanko's validator with the instance roots, and pdfsig).
* OpenSeal: the registry holds exactly one sealed-document record per output (found by
  the output's SHA-256, from this input, with the bench seal) and the audit log exactly one
  successful ``seal.use`` entry per input.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

from asn1crypto import pem, x509

from bench.fixture import BenchHome
from bench.validate import NotValid, check_output
from openseal.bootstrap import Wiring
from openseal.config import Settings

SAMPLE = 5


def check_all(bench: BenchHome, files: list[Path], outs: dict[str, Path]) -> dict[str, Any]:
    """Every side's outputs, and OpenSeal's registry and audit entries."""
    checks = {side: check_outputs(bench, files, folder) for side, folder in outs.items()}
    checks["openseal"].update(check_registry(bench, files, outs["openseal"]))
    return checks


def check_outputs(bench: BenchHome, files: list[Path], out_dir: Path) -> dict[str, Any]:
    """One output per input, and ``SAMPLE`` of them (evenly spread) validated."""
    made = sorted(p.name for p in out_dir.glob("*.pdf"))
    if made != sorted(p.name for p in files):
        raise NotValid(f"{out_dir.name}: {len(made)} outputs for {len(files)} inputs")
    roots = [x509.Certificate.load(der) for _, _, der in
             pem.unarmor(bench.roots_pem.read_bytes(), multiple=True)]
    step = max(1, len(files) // SAMPLE)
    sample = [files[n] for n in range(0, len(files), step)][:SAMPLE]
    return {"outputs": len(made),
            "validated": {p.name: check_output(out_dir / p.name, roots) for p in sample}}


def check_registry(bench: BenchHome, files: list[Path], out_dir: Path) -> dict[str, int]:
    """Exactly one record per output and one successful seal.use entry per input."""
    inputs = Counter(_sha256(p) for p in files)
    outputs = [_sha256(out_dir / p.name) for p in files]
    wiring = Wiring(Settings(home=bench.home))
    try:
        with wiring.context() as c:
            records = c.repos.find_issued(outputs)
            uses = [e.details for e, _ in c.repos.list_audit(action="seal.use")
                    if e.outcome == "success"]
    finally:
        wiring.engine.dispose()
    ours = [r for r in records if r.seal_id == bench.seal_id]
    if len(ours) != len(files) or Counter(r.input_sha256 for r in ours) != inputs:
        raise NotValid(f"registry: {len(ours)} records for {len(files)} outputs")
    used = Counter(d["input_sha256"] for d in uses if d.get("input_sha256") in inputs)
    if used != inputs or not set(outputs) <= {d["output_sha256"] for d in uses}:
        raise NotValid(f"audit: {sum(used.values())} seal.use entries for {len(files)} inputs")
    return {"records": len(ours), "seal_use_entries": sum(used.values())}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
