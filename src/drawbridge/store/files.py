"""Attachment bytes on disk, under a configurable data directory.

The database row (``Attachment``) is the record; the file is named by a random key, so a name
never comes from a client and never escapes the directory.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    storage_key: str
    size: int
    sha256: str


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, company_id: int, data: bytes | BinaryIO) -> StoredFile:
        """Writes bytes, or a file read a chunk at a time (an upload is never held whole)."""
        key = f"{company_id}/{secrets.token_hex(16)}"
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        with path.open("wb") as out:
            chunks = (
                [data] if isinstance(data, bytes) else iter(lambda: data.read(CHUNK_BYTES), b"")
            )
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        return StoredFile(storage_key=key, size=size, sha256=digest.hexdigest())

    def read(self, storage_key: str) -> bytes:
        return (self.root / storage_key).read_bytes()

    def delete(self, storage_key: str) -> None:
        (self.root / storage_key).unlink(missing_ok=True)


def _reader(source: BinaryIO) -> Callable[[], bytes]:
    return lambda: source.read(CHUNK_BYTES)
