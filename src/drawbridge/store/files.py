"""Attachment bytes on disk, under a configurable data directory.

The database row (``Attachment``) is the record; the file is named by a random key, so a name
never comes from a client and never escapes the directory.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StoredFile:
    storage_key: str
    size: int
    sha256: str


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, company_id: int, data: bytes) -> StoredFile:
        key = f"{company_id}/{secrets.token_hex(16)}"
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return StoredFile(storage_key=key, size=len(data), sha256=hashlib.sha256(data).hexdigest())

    def read(self, storage_key: str) -> bytes:
        return (self.root / storage_key).read_bytes()

    def delete(self, storage_key: str) -> None:
        (self.root / storage_key).unlink(missing_ok=True)
