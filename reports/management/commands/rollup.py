"""`manage.py rollup [--since DATE] [--until DATE] [--full]`: run the rollup now, synchronously."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from agencies import bounds
from reports import rollup
from reports.models import RollupRun


def _date(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"'{value}' is not a date; use YYYY-MM-DD (e.g. 2025-07-01)") from None
    if not bounds.in_range(day):
        raise CommandError(f"{value}: {bounds.DATE_RANGE_MESSAGE}")
    return day


class Command(BaseCommand):
    help = (
        "Turn answers into scores now. Without options: an incremental run (what changed since the "
        "last run). --full recomputes everything from the raw answers. --since/--until recompute "
        "every unit for those local days (Asia/Ho_Chi_Minh, both included)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", metavar="DATE", help="first local day to recompute (YYYY-MM-DD)")
        parser.add_argument("--until", metavar="DATE", help="last local day to recompute (YYYY-MM-DD)")
        parser.add_argument("--full", action="store_true", help="recompute everything from the raw answers")
        parser.add_argument(
            "--wait",
            type=float,
            default=None,
            metavar="SECONDS",
            help="how long to wait for a rollup that is already running",
        )

    def handle(self, *args, **options):
        since = _date(options["since"]) if options["since"] else None
        until = _date(options["until"]) if options["until"] else None
        if options["full"] and (since or until):
            raise CommandError("use either --full or --since/--until, not both")
        if since and until and since > until:
            raise CommandError(f"the window is inverted: --since {since} is after --until {until}")
        if options["full"]:
            mode = RollupRun.Mode.FULL
        elif since or until:
            mode = RollupRun.Mode.WINDOW
        else:
            mode = RollupRun.Mode.INCREMENTAL
        changed = rollup.method_differences(rollup.stored_method(), rollup.current_method())
        if changed and mode == RollupRun.Mode.INCREMENTAL:
            self.stdout.write(f"method settings changed ({'; '.join(changed)}): recomputing everything")
        try:
            run = rollup.rollup_run(mode=mode, since=since, until=until, lock_wait=options["wait"])
        except rollup.RollupBusy as exc:
            raise CommandError(f"{exc}; try again later or pass --wait SECONDS") from None
        except (rollup.RollupWindowError, rollup.RollupMethodChanged) as exc:
            raise CommandError(str(exc)) from None
        seconds = (run.finished_at - run.started_at).total_seconds()
        self.stdout.write(
            f"rollup {run.mode}: {run.responses_seen} responses, {run.keys_recomputed} keys, "
            f"{run.scores_written} scores written in {seconds:.2f}s"
        )
