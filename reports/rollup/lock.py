"""One rollup at a time per database, whatever process runs it.

PostgreSQL: an advisory lock (the database drops it when the holder's connection dies). SQLite:
a file lock beside the database file (the kernel drops it when the holder dies); an in-memory
database lives in one process only, so a process lock serves.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import threading
import time
from collections.abc import Iterator

from django.conf import settings
from django.db import connection

from . import dialect as dialects

ADVISORY_LOCK_KEY = 5_171_880_005  # any constant; "the rollup" for pg_advisory_lock
_memory_lock = threading.Lock()


class RollupBusy(Exception):
    """Another rollup holds the lock."""


@contextlib.contextmanager
def rollup_lock(wait: float) -> Iterator[None]:
    """Hold the rollup lock for the block; RollupBusy when it stays taken for `wait` seconds."""
    deadline = time.monotonic() + wait
    if dialects.current().advisory_locks:
        with _advisory_lock(deadline):
            yield
        return
    name = str(connection.settings_dict["NAME"])
    if "memory" in name:
        # An in-memory database lives in this process only.
        if not _memory_lock.acquire(timeout=max(wait, 0.01)):
            raise RollupBusy("another rollup is running")
        try:
            yield
        finally:
            _memory_lock.release()
        return
    with _file_lock(name, deadline):
        yield


@contextlib.contextmanager
def _advisory_lock(deadline: float) -> Iterator[None]:
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
            if cursor.fetchone()[0]:
                break
            if time.monotonic() >= deadline:
                raise RollupBusy("another rollup is running")
            time.sleep(0.2)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])


@contextlib.contextmanager
def _file_lock(name: str, deadline: float) -> Iterator[None]:
    digest = hashlib.sha1(name.encode()).hexdigest()[:12]
    path = settings.VAR_DIR / f"rollup-{digest}.lock"
    with open(path, "w") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RollupBusy("another rollup is running") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
