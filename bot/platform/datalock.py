"""One bot per data folder: two processes on one token fight over updates and deliver twice."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

LOCK_FILE_NAME = "porchlight.lock"


class DataFolderBusy(Exception):
    """Another Porchlight process holds this data folder."""


class DataFolderLock:
    """An advisory lock on the data folder, released when the process ends, however it ends."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE_NAME
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        handle = open(self.path, "a", encoding="ascii")  # noqa: SIM115 - held for the process
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise DataFolderBusy(
                f"another Porchlight is already running on the data folder {self.path.parent}; "
                "stop it first (two bots on one token answer twice)"
            ) from None
        os.chmod(self.path, 0o600)
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
