"""Group commit for `openseal batch`: the outputs of one transaction staged in ONE file.

A worker seals a group of documents in one transaction. Before the commit, their outputs
are written into one group file ``OUT_DIR/.openseal-batch/group-<token>.stage``, fsync'd
once (instead of a staged file, a rename and a journal entry fsync'd per document). After
the commit each output is written in its place (a temporary name, then a rename) and
journalled, without a sync each.

The group file stays until ``settle`` has made sure, after one ``os.sync()``, that every
committed document in it has its output and its journal entry: at the end of the run, and at
the start of the next one (after a kill or a power loss). Whether a document committed is
the database's answer (``committed``), as for single documents.

The file: one line of JSON (``{"entries": [...]}``, each with key, file, sha256_in,
sha256_out, seal_id, document_id, size), a newline, then the outputs one after another. A
file that does not parse or is short was never fsync'd whole, so its transaction never
committed.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from openseal.interfaces.cli.batch_journal import Journal, fsync_dir, sha256_file

SUFFIX = ".stage"


@dataclass(frozen=True)
class StagedOutput:
    key: str
    file: str
    sha256_in: str
    sha256_out: str
    seal_id: str
    document_id: str
    size: int
    options: dict[str, Any]


def stage_group(journal: Journal, outputs: list[tuple[StagedOutput, bytes]]) -> Path:
    """The group's outputs in one file, durable (file and directory synced) on return."""
    header = json.dumps({"entries": [asdict(entry) for entry, _ in outputs]},
                        ensure_ascii=False).encode()
    path = journal.dir / f"group-{secrets.token_hex(8)}{SUFFIX}"
    with open(path, "wb") as fh:
        fh.write(header + b"\n")
        for _, data in outputs:
            fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    fsync_dir(journal.dir)
    return path


def read_group(path: Path) -> list[tuple[StagedOutput, bytes]] | None:
    """The group file's outputs; None when it is not whole (its transaction never
    committed)."""
    try:
        raw = path.read_bytes()
        head, _, body = raw.partition(b"\n")
        entries = [StagedOutput(**e) for e in json.loads(head)["entries"]]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    outputs, offset = [], 0
    for entry in entries:
        data = body[offset:offset + entry.size]
        if len(data) != entry.size or hashlib.sha256(data).hexdigest() != entry.sha256_out:
            return None
        outputs.append((entry, data))
        offset += entry.size
    return outputs


def place_output(out: Path, data: bytes) -> None:
    """``out`` appears whole (a temporary name, then a rename); not synced here."""
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.part")
    tmp.write_bytes(data)
    os.replace(tmp, out)


def journal_entry(entry: StagedOutput) -> dict[str, Any]:
    return {"file": entry.file, "document_id": entry.document_id,
            "sha256_in": entry.sha256_in, "sha256_out": entry.sha256_out,
            "seal_id": entry.seal_id, **entry.options}


def group_files(journal: Journal) -> Iterator[Path]:
    if journal.dir.is_dir():
        yield from sorted(journal.dir.glob(f"group-*{SUFFIX}"))


def settle(journal: Journal, committed: Callable[[StagedOutput], bool]) -> list[str]:
    """Make every committed output of every group file whole and journalled, then delete
    the group files (after one ``os.sync()``). Returns the files put back or journalled
    now (their documents were sealed by a run that was interrupted)."""
    files = list(group_files(journal))
    if not files:
        return []
    os.sync()  # what the last run wrote after its commits is on disk before we look
    restored = []
    for path in files:
        for entry, data in read_group(path) or []:
            if _settle_one(journal, entry, data, committed):
                restored.append(entry.file)
    os.sync()
    for path in files:
        path.unlink(missing_ok=True)
    fsync_dir(journal.dir)
    return restored


def _settle_one(journal: Journal, entry: StagedOutput, data: bytes,
                committed: Callable[[StagedOutput], bool]) -> bool:
    out = journal.out_dir / entry.file
    in_place = out.is_file() and sha256_file(out) == entry.sha256_out
    if in_place and journal.read(entry.key) is not None:
        return False
    if not committed(entry):
        return False  # rolled back: nothing of it may appear
    if not in_place:
        place_output(out, data)
    journal.write(entry.key, journal_entry(entry))
    return True
