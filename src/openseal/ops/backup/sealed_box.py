"""Passphrase encryption of a backup file: scrypt, then AES-256-GCM in 1 MiB chunks.

The STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015): each chunk's nonce is a
random prefix, the chunk's number and a last-chunk flag, and every chunk authenticates the
header, so chunks cannot be dropped, reordered, truncated or moved between files. A wrong
passphrase fails on the first chunk; nothing is written from a file that does not decrypt
to its end (the caller writes to a scratch file and keeps it only on success).
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from openseal.errors import InvalidInput

MAGIC = b"OPENSEAL-BACKUP-AES256GCM-1\n"
CHUNK = 1 << 20
SCRYPT = {"n": 2**15, "r": 8, "p": 1}


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(len(MAGIC)) == MAGIC


def encrypt_file(plain: Path, sealed: Path, passphrase: bytes) -> None:
    """Write ``plain`` encrypted under ``passphrase`` to ``sealed``."""
    header = _header(os.urandom(16), os.urandom(7))
    aead = AESGCM(_key(passphrase, header))
    prefix = bytes.fromhex(json.loads(header[len(MAGIC):])["nonce_prefix"])
    with plain.open("rb") as src, sealed.open("wb") as out:
        out.write(header)
        number, chunk = 0, src.read(CHUNK)
        while True:
            following = src.read(CHUNK)
            last = not following
            box = aead.encrypt(_nonce(prefix, number, last), chunk, header)
            out.write(struct.pack(">I", len(box)) + box)
            if last:
                break
            number, chunk = number + 1, following
        out.flush()
        os.fsync(out.fileno())


def decrypt_file(sealed: Path, plain: Path, passphrase: bytes) -> None:
    """Decrypt ``sealed`` into ``plain``; InvalidInput for a wrong passphrase or damage."""
    with sealed.open("rb") as src, plain.open("wb") as out:
        header = _read_header(src)
        aead = AESGCM(_key(passphrase, header))
        prefix = bytes.fromhex(json.loads(header[len(MAGIC):])["nonce_prefix"])
        number, done = 0, False
        while not done:
            box = _read_box(src)
            done = not src.peek(1) if hasattr(src, "peek") else False
            try:
                out.write(aead.decrypt(_nonce(prefix, number, done), box, header))
            except InvalidTag as exc:
                raise _undecryptable(number) from exc
            number += 1


def _header(salt: bytes, prefix: bytes) -> bytes:
    meta = {"kdf": "scrypt", **SCRYPT, "salt": salt.hex(), "nonce_prefix": prefix.hex(),
            "chunk": CHUNK}
    return MAGIC + json.dumps(meta, sort_keys=True).encode() + b"\n"


def _read_header(src: BinaryIO) -> bytes:
    magic = src.read(len(MAGIC))
    line = src.readline(4096)
    if magic != MAGIC or not line.endswith(b"\n"):
        raise _undecryptable(0)
    try:
        meta = json.loads(line)
        if {k: meta[k] for k in SCRYPT} != SCRYPT:
            raise ValueError("unexpected scrypt parameters")
        bytes.fromhex(meta["salt"]), bytes.fromhex(meta["nonce_prefix"])
    except (ValueError, KeyError, TypeError) as exc:
        raise _undecryptable(0) from exc
    return magic + line


def _read_box(src: BinaryIO) -> bytes:
    size = src.read(4)
    if len(size) != 4:
        raise _undecryptable(-1)
    (n,) = struct.unpack(">I", size)
    box = src.read(n) if n <= CHUNK + 16 else b""
    if len(box) != n or n < 16:
        raise _undecryptable(-1)
    return box


def _key(passphrase: bytes, header: bytes) -> bytes:
    meta = json.loads(header[len(MAGIC):])
    return Scrypt(salt=bytes.fromhex(meta["salt"]), length=32, **SCRYPT).derive(passphrase)


def _nonce(prefix: bytes, number: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", number) + (b"\x01" if last else b"\x00")


def _undecryptable(chunk: int) -> InvalidInput:
    where = "" if chunk <= 0 else f" (chunk {chunk})"
    return InvalidInput(
        "BACKUP_UNDECRYPTABLE",
        "备份文件无法解密：口令错误，或文件已损坏或被截断" + where,
        "The backup cannot be decrypted: wrong passphrase, or the file is damaged or "
        "truncated" + where, field="passphrase")
