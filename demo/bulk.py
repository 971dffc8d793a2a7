"""Raw bulk inserts for the demo: hundreds of thousands of rows in seconds, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import secrets

import numpy as np
from django.db import connection, models
from django.utils import timezone

from surveys.codes import ALPHABET, CODE_LENGTH

_NULL = "\\N"


class Inserter:
    """INSERT of many rows into one model's table with the given columns; other columns get their defaults.

    Others may add fields to these models; their Python defaults are filled in here so that a
    new NOT NULL column never breaks the seed.
    """

    def __init__(self, model: type[models.Model], names: list[str]):
        now = timezone.now()
        self.model = model
        columns = [model._meta.get_field(name).column for name in names]
        extra = []
        for f in model._meta.concrete_fields:
            if f.name in names or f.column in columns:
                continue
            if getattr(f, "db_default", models.NOT_PROVIDED) is not models.NOT_PROVIDED:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            else:
                value = f.get_default()
            columns.append(f.column)
            extra.append(f.get_db_prep_save(value, connection))
        self.extra = tuple(extra)
        qn = connection.ops.quote_name
        self.table = qn(model._meta.db_table)
        self.columns = ", ".join(qn(c) for c in columns)
        self.width = len(columns)

    def insert(self, rows, page: int = 20000) -> None:
        extra = self.extra
        batch = []
        for row in rows:
            batch.append(row + extra if extra else row)
            if len(batch) >= page:
                self._flush(batch)
                batch = []
        if batch:
            self._flush(batch)

    def _flush(self, batch: list[tuple]) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY is several times faster than multi-row INSERTs on PostgreSQL.
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                writer.writerows(tuple(_NULL if v is None else v for v in row) for row in batch)
                buffer.seek(0)
                cursor.cursor.copy_expert(
                    f"COPY {self.table} ({self.columns}) FROM STDIN WITH (FORMAT csv, NULL '{_NULL}')", buffer
                )
            else:
                marks = ", ".join(["%s"] * self.width)
                cursor.executemany(f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})", batch)


def next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1


def timestamps(seconds: np.ndarray) -> list[str]:
    """Epoch seconds (UTC) → the text form the database stores for a DateTimeField."""
    if seconds.size == 0:
        return []
    text = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
    text = np.char.replace(text, "T", " ")
    if connection.vendor == "postgresql":
        text = np.char.add(text, "+00:00")
    return text.tolist()


def receipt_codes(count: int, taken: set[str]) -> list[str]:
    """Unguessable receipt codes (50 bits from `secrets`, Crockford base32), unique."""
    alphabet = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
    codes: list[str] = []
    seen = set(taken)
    while len(codes) < count:
        need = count - len(codes)
        raw = np.frombuffer(secrets.token_bytes(need * CODE_LENGTH), dtype=np.uint8) % 32  # 256 = 8 × 32: uniform
        chars = alphabet[raw].reshape(need, CODE_LENGTH)
        for code in chars.view(f"S{CODE_LENGTH}").ravel().astype(str).tolist():
            if code not in seen:
                seen.add(code)
                codes.append(code)
    return codes


def tune_sqlite() -> None:
    """A larger page cache for this connection: random keys (idempotency keys, device hashes) are
    inserted into indexes, and SQLite's default 2 MB cache makes each of them a disk round trip."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # KiB: 256 MB, for this connection only
            if not connection.in_atomic_block:
                cursor.execute("PRAGMA temp_store = MEMORY")
