"""What a backup needs from a database whose schema is older than this version (the backup
``openseal upgrade`` makes before migrating): read by reflection, never through today's
tables. The audit facts are the trail's size and Merkle root as stored; the manifest is
signed with the audit key (or, before audit keys existed, the root key), found through the
``instance`` and ``certificates`` rows and used through the key store like any other key."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, MetaData, Table, select

from openseal.core.audit.checkpointing import tree_root
from openseal.core.keys.model import KeyStore


def raw_audit(conn: Connection) -> dict[str, object]:
    meta = MetaData()
    meta.reflect(conn, only=["audit_events"])
    events = meta.tables["audit_events"]
    hashes = list(conn.execute(select(events.c.entry_hash).order_by(events.c.seq)).scalars())
    return {"size": len(hashes), "root_hash": tree_root(hashes)}


def raw_signer(conn: Connection, keys: KeyStore) -> tuple[Callable[[bytes], bytes],
                                                            tuple[bytes, ...]]:
    meta = MetaData()
    meta.reflect(conn, only=["instance", "certificates"])
    instance, certs = meta.tables["instance"], meta.tables["certificates"]
    row = conn.execute(select(instance)).mappings().one()
    cert_id = row.get("audit_cert_id") or row["root_cert_id"]
    chain = _chain(conn, certs, cert_id)
    key_id = chain[0]["key_id"]
    return (lambda data: keys.sign_raw(key_id, data, "sha256"),
            tuple(bytes(c["der"]) for c in chain))


def _chain(conn: Connection, certs: Table, cert_id: str) -> list[dict[str, object]]:
    chain: list[dict[str, object]] = []
    while cert_id and len(chain) < 8:
        row = dict(conn.execute(select(certs).where(certs.c.id == cert_id)).mappings().one())
        chain.append(row)
        if row.get("issuer_id") in (None, cert_id):
            break
        cert_id = str(row["issuer_id"])
    return chain
