"""The tamper-evident audit log, pure core: events, canonical encoding, Merkle tree hashing
(RFC 9162), signed and timestamped checkpoints, and offline verification of an export.

No storage here: the adapters append events and keep checkpoints; the CLI exports and
verifies. See ``verify`` for what a verifier finds and how it names it.
"""

from openseal.core.audit.canonical import canonical_json, format_time, parse_time
from openseal.core.audit.checkpoint import (
    CHECKPOINT_BAD_SIGNATURE,
    CHECKPOINT_BAD_TIMESTAMP,
    CHECKPOINT_MALFORMED,
    CHECKPOINT_UNTRUSTED_SIGNER,
    TIMESTAMP_TOLERANCE,
    Checkpoint,
    make_checkpoint,
    verify_checkpoint,
)
from openseal.core.audit.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    prefix_roots,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from openseal.core.audit.model import GENESIS_HASH, ActorKind, AuditEvent, Outcome, new_event
from openseal.core.audit.report import AuditProblem, AuditReport
from openseal.core.audit.sanitize import clean_details, escape_controls, is_secret_key
from openseal.core.audit.verify import read_export, verify_log

__all__ = [
    "CHECKPOINT_BAD_SIGNATURE", "CHECKPOINT_BAD_TIMESTAMP", "CHECKPOINT_MALFORMED",
    "CHECKPOINT_UNTRUSTED_SIGNER", "EMPTY_ROOT", "GENESIS_HASH", "TIMESTAMP_TOLERANCE",
    "ActorKind", "AuditEvent", "AuditProblem", "AuditReport", "Checkpoint", "Outcome",
    "canonical_json", "clean_details", "consistency_proof", "escape_controls", "format_time",
    "inclusion_proof", "is_secret_key", "leaf_hash", "make_checkpoint", "new_event",
    "node_hash", "parse_time", "prefix_roots", "read_export", "root_hash",
    "verify_checkpoint", "verify_consistency", "verify_inclusion", "verify_log",
]
