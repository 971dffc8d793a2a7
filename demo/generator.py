"""Build the demo city: Hanoi after the 2025 reform with a year of citizens' answers.

Rules protected here:
- the same `seed` gives the same city and the same answers (units, procedures, counters,
  ratings, comments, times); only secrets differ: receipt codes, kiosk tokens and passwords come
  from `secrets`, so a demo database never holds guessable codes;
- at least the requested number of counted responses, over the last 12 months up to now, with
  realistic differences: units of different sizes (a few with under 30 answers a month), some
  improving, some slipping, weaker elements (feedback) and procedures (land, construction);
- everything is written in one transaction with raw bulk inserts and precomputed ids, so 100,000
  responses take seconds, not minutes; a failure leaves nothing half-built.

The city's structure is built by `demo.structure`, the year of answers is drawn (as arrays, no
writes) by `demo.responses`; this module runs both and inserts what was drawn.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Unit
from surveys.models import Answer, Receipt, Response, SurveyVersion

from . import catalogue as cat
from .accounts import create_demo_accounts, save_passwords
from .bulk import Inserter, next_id, receipt_codes, timestamps, tune_sqlite
from .responses import CHANNELS, KIOSK, LINK, RECEIPT, Drawn, draw_responses
from .scope import demo_exists
from .structure import Place, build_structure, standard_version
from .summary import DemoSummary

log = logging.getLogger(__name__)

RECEIPT_DAYS = 30


class DemoExists(Exception):
    """The demo city is already in this database."""


def build_demo(
    *, seed: int = 2025, responses: int = 100_000, now: datetime | None = None, progress=None
) -> DemoSummary:
    """Build the demo city with `responses` counted responses (plus a few excluded bursts)."""
    started = time.monotonic()
    say = progress or (lambda message: None)
    now = now or timezone.now()
    rng = np.random.default_rng(seed)
    summary = DemoSummary()
    tune_sqlite()
    with transaction.atomic():
        if demo_exists():
            raise DemoExists()
        say(_("Building the units…"))
        city, places, procedures = build_structure(rng, summary)
        version = standard_version(city)
        summary.accounts = create_demo_accounts()
        admin = get_user_model().objects.get(username=cat.ACCOUNTS[-1][0])
        say(_("Building a year of responses…"))
        if responses:
            drawn = draw_responses(rng, places=places, procedures=procedures, version=version, now=now, total=responses)
            _insert_everything(rng, _Target(places, procedures, version, admin), drawn, summary)
            summary.first_day, summary.last_day = drawn.first_day, drawn.last_day
        if connection.vendor == "postgresql":
            # Ids were assigned here, not by the sequences: move the sequences past them.
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Receipt, Response, Answer]):
                    cursor.execute(sql)
        save_passwords(summary.accounts)
    summary.seconds = time.monotonic() - started
    return summary


# --------------------------------------------------------------------------- inserts


@dataclass
class _Target:
    """Where the drawn responses go: the places and procedures they index, the survey, the moderator."""

    places: list[Place]
    procedures: list[tuple]  # (procedure, field, level, weight)
    version: SurveyVersion
    admin: object  # the user who excluded the bursts


def _insert_everything(rng: np.random.Generator, target: _Target, drawn: Drawn, summary: DemoSummary) -> None:
    """Receipts, then responses (the bursts last), then answers, with ids chosen here: one pass each."""
    point_of = _counters(target)
    receipt_id = _insert_receipts(rng, target, drawn, point_of, summary)
    response_base, b_ratings = _insert_responses(rng, target, drawn, receipt_id, point_of, summary)
    _insert_answers(target, drawn, response_base, b_ratings, summary)


def _counters(target: _Target) -> np.ndarray:
    """The counter (service point id) that handles each (place, procedure): by field, else counter 1."""
    places, procedures = target.places, target.procedures
    proc_field = [p[1] for p in procedures]
    point_of = np.zeros((len(places), len(procedures)), dtype=np.int64)
    for i, place in enumerate(places):
        default = place.counters.get("Q1") or place.counters.get("MC") or next(iter(place.counters.values()), 0)
        for j, field_vi in enumerate(proc_field):
            chosen = default
            for code, _vi, _en, fields in cat.COUNTERS:
                if field_vi in fields and code in place.counters:
                    chosen = place.counters[code]
            if place.unit.kind == Unit.Kind.SERVICE_CENTRE and place.counters:
                chosen = place.counters[f"Q{1 + j % len(place.counters)}"]
            point_of[i, j] = chosen
    return point_of


def _insert_receipts(
    rng: np.random.Generator, target: _Target, drawn: Drawn, point_of: np.ndarray, summary: DemoSummary
) -> np.ndarray:
    """Every receipt answer's receipt, and unanswered ones; returns each response's receipt id (0: none)."""
    places, procedures, now_s = target.places, target.procedures, drawn.now_s
    place_i, proc_i, channel, submitted, txn = drawn.place_i, drawn.proc_i, drawn.channel, drawn.submitted, drawn.txn
    m = len(place_i)
    unit_ids = np.array([p.unit.pk for p in places])
    proc_ids = np.array([p[0].pk for p in procedures])

    # Receipts: every receipt answer has one; about one in four receipts is never answered.
    is_receipt = channel == RECEIPT
    n_used = int(is_receipt.sum())
    n_unused = int(n_used * 0.28)
    unused_place = rng.choice(place_i, size=n_unused)
    unused_proc = np.array([rng.choice(places[i].procedures) for i in unused_place.tolist()], dtype=int)
    unused_txn = rng.choice(txn, size=n_unused) + rng.integers(-3 * 86400, 3 * 86400, n_unused)
    # Receipts of the last two days are mostly not answered yet: a few fresh ones per place.
    fresh = 3
    unused_place = np.concatenate([unused_place, np.repeat(np.arange(len(places)), fresh)])
    unused_proc = np.concatenate(
        [unused_proc, [rng.choice(places[i].procedures) for i in range(len(places)) for _ in range(fresh)]]
    ).astype(int)
    unused_txn = np.concatenate([unused_txn, int(now_s) - rng.integers(3600, 2 * 86400, len(places) * fresh)])
    unused_txn = np.minimum(unused_txn, int(now_s) - 3600)
    n_unused = len(unused_txn)
    codes = receipt_codes(n_used + n_unused, set(Receipt.objects.values_list("code", flat=True)))
    receipt_base = next_id(Receipt)
    used_txn = txn[is_receipt]
    r_place = np.concatenate([place_i[is_receipt], unused_place])
    r_proc = np.concatenate([proc_i[is_receipt], unused_proc])
    r_issued = np.concatenate([used_txn, unused_txn])
    r_used = timestamps(submitted[is_receipt]) + [None] * n_unused
    issued_text = timestamps(r_issued)
    expires_text = timestamps(r_issued + RECEIPT_DAYS * 86400)
    Receipt_rows = zip(
        range(receipt_base, receipt_base + len(codes)),
        codes,
        unit_ids[r_place].tolist(),
        point_of[r_place, r_proc].tolist(),
        proc_ids[r_proc].tolist(),
        issued_text,
        expires_text,
        r_used,
        strict=True,
    )
    Inserter(
        Receipt, ["id", "code", "unit", "service_point", "procedure", "issued_at", "expires_at", "used_at"]
    ).insert(Receipt_rows)
    summary.receipts = len(codes)

    receipt_id = np.zeros(m, dtype=np.int64)
    receipt_id[is_receipt] = np.arange(receipt_base, receipt_base + n_used)
    return receipt_id


def _insert_responses(
    rng: np.random.Generator,
    target: _Target,
    drawn: Drawn,
    receipt_id: np.ndarray,
    point_of: np.ndarray,
    summary: DemoSummary,
) -> tuple[int, np.ndarray]:
    """The counted responses, then the excluded bursts; returns the first response id and the bursts' ratings."""
    places, procedures, version, admin = target.places, target.procedures, target.version, target.admin
    place_i, proc_i, channel, submitted, ratings = (
        drawn.place_i,
        drawn.proc_i,
        drawn.channel,
        drawn.submitted,
        drawn.ratings,
    )
    language, comments, clients, client_i, bursts = (
        drawn.language,
        drawn.comments,
        drawn.clients,
        drawn.client_i,
        drawn.bursts,
    )
    m = len(place_i)
    unit_ids = np.array([p.unit.pk for p in places])
    proc_ids = np.array([p[0].pk for p in procedures])
    kiosk_of = np.array([p.kiosk_id or 0 for p in places])
    kiosk_point = np.array([p.kiosk_point or 0 for p in places])
    sp = np.where(channel == KIOSK, kiosk_point[place_i], point_of[place_i, proc_i])
    sp = np.where(channel == LINK, 0, sp)
    procedure = proc_ids[proc_i]
    procedure = np.where(channel == KIOSK, 0, procedure)
    procedure = np.where((channel == LINK) & (rng.random(m) < 0.5), 0, procedure)
    kiosk = np.where(channel == KIOSK, kiosk_of[place_i], 0)

    # Bursts are appended after the counted responses.
    b_rows = []
    for burst in bursts:
        for k in range(burst["count"]):
            b_rows.append(
                (burst["place"], burst["start"] + k * int(rng.integers(5, 12)), burst["value"], burst["client"])
            )
    n_b = len(b_rows)
    b_place = np.array([r[0] for r in b_rows], dtype=int)
    b_time = np.array([r[1] for r in b_rows], dtype=np.int64)
    b_ratings = np.array([[r[2]] * ratings.shape[1] for r in b_rows], dtype=np.int8).reshape(n_b, ratings.shape[1])

    response_base = next_id(Response)
    total = m + n_b
    uuid_bytes = np.frombuffer(rng.bytes(16 * total), dtype=np.uint8).reshape(total, 16).copy()
    uuid_bytes[:, 6] = (uuid_bytes[:, 6] & 0x0F) | 0x40
    uuid_bytes[:, 8] = (uuid_bytes[:, 8] & 0x3F) | 0x80
    hexes = uuid_bytes.tobytes().hex()
    keys = [hexes[i * 32 : (i + 1) * 32] for i in range(total)]
    sub_text = timestamps(np.concatenate([submitted, b_time]))
    excluded_at = timestamps(b_time + 86400)
    none_if_zero = lambda values: [v or None for v in values]

    def counted_rows():
        for row in zip(
            range(response_base, response_base + m),
            unit_ids[place_i].tolist(),
            none_if_zero(sp.tolist()),
            none_if_zero(procedure.tolist()),
            none_if_zero(receipt_id.tolist()),
            none_if_zero(kiosk.tolist()),
            [CHANNELS[c] for c in channel.tolist()],
            language.tolist(),
            sub_text[:m],
            keys[:m],
            comments,
            [clients[i] for i in client_i.tolist()],
            sub_text[:m],
            strict=True,
        ):
            yield (version.pk, *row, False, "", None, None)

    def burst_rows():
        for k in range(n_b):
            yield (
                version.pk,
                response_base + m + k,
                int(unit_ids[b_place[k]]),
                None,
                None,
                None,
                None,
                "link",
                "vi",
                sub_text[m + k],
                keys[m + k],
                "",
                b_rows[k][3],
                excluded_at[k],
                True,
                cat.EXCLUSION_REASON,
                excluded_at[k],
                admin.pk,
            )

    inserter = Inserter(
        Response,
        [
            "version",
            "id",
            "unit",
            "service_point",
            "procedure",
            "receipt",
            "kiosk",
            "channel",
            "language",
            "submitted_at",
            "idempotency_key",
            "comment",
            "client_hash",
            "changed_at",
            "excluded",
            "excluded_reason",
            "excluded_at",
            "excluded_by",
        ],
    )
    inserter.insert(counted_rows())
    inserter.insert(burst_rows())
    summary.responses = m
    summary.excluded = n_b
    return response_base, b_ratings


def _insert_answers(
    target: _Target, drawn: Drawn, response_base: int, b_ratings: np.ndarray, summary: DemoSummary
) -> None:
    """One answer per asked question of every response (counted, then bursts), in the responses' order."""
    ratings, q_ids = drawn.ratings, drawn.q_ids
    all_ratings = np.concatenate([ratings, b_ratings])
    asked = all_ratings >= 0
    rows, qcols = np.nonzero(asked)
    values = all_ratings[asked].tolist()
    answer_base = next_id(Answer)
    answer_rows = zip(
        range(answer_base, answer_base + len(values)),
        (rows + response_base).tolist(),
        q_ids[qcols].tolist(),
        [v or None for v in values],
        strict=True,
    )
    Inserter(Answer, ["id", "response", "question", "value", "kind", "text"]).insert(
        (*row, "rating", "") for row in answer_rows
    )
    summary.answers = len(values)
    log.info("demo answers: %s", len(values))
