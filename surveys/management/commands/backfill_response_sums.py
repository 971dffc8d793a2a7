"""Write the per-response sums of the responses stored before the sums existed (issue 15).

Resumable: each batch is one transaction and the next run starts again from the responses still
without their overall row, so a run stopped anywhere (Ctrl-C, a crash, a deploy) loses at most the
batch in flight. New responses need nothing: the database writes their sums as they arrive.
"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from surveys.response_sums import response_sums_backfill_batch, response_sums_disagreeing, response_sums_missing


def _bar(done: int, total: int, started: float, width: int = 30) -> str:
    share = done / total if total else 1.0
    filled = int(width * share)
    rate = done / max(time.monotonic() - started, 1e-9)
    left = (total - done) / rate if rate > 0 else 0.0
    return f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} ({share:.0%}) {rate:,.0f}/s, ~{left:,.0f}s left"


class Command(BaseCommand):
    help = "Write the per-response sums of responses that have none yet, in batches (resumable)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=5000, help="Responses per transaction (default 5000).")
        parser.add_argument("--max-batches", type=int, default=None, help="Stop after this many batches.")
        parser.add_argument(
            "--check", action="store_true", help="Afterwards, compare every response's sums with its answers."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (logs, cron).")

    def handle(self, *args, **options):
        size = options["batch"]
        if size < 1:
            raise CommandError("--batch must be at least 1")
        total = len(response_sums_missing())
        show = not options["no_progress"]
        started, done, batches, after = time.monotonic(), 0, 0, 0
        if show and total:
            sys.stdout.write(_bar(0, total, started))
        while options["max_batches"] is None or batches < options["max_batches"]:
            after, written = response_sums_backfill_batch(after, size)
            if not written:
                break
            done, batches = done + written, batches + 1
            if show:
                sys.stdout.write(_bar(min(done, total), total, started))
                sys.stdout.flush()
        if show and total:
            sys.stdout.write("\n")
        left = len(response_sums_missing())
        self.stdout.write(f"backfill_response_sums: {done} responses written in {batches} batches, {left} left")
        if options["check"]:
            wrong = response_sums_disagreeing()
            if wrong:
                raise CommandError(f"{len(wrong)} responses' sums disagree with their answers, e.g. {wrong[:10]}")
            self.stdout.write("backfill_response_sums: every response's sums agree with its answers")
