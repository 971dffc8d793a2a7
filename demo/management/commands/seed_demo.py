"""`manage.py seed_demo`: the demo city — Hanoi after the 2025 reform — with a year of answers."""

from __future__ import annotations

import argparse

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from agencies.models import Membership, Unit
from demo.accounts import demo_accounts
from demo.catalogue import BOUNDARIES_FILE, DEMO_WARD
from demo.generator import DemoExists, build_demo
from demo.scope import demo_exists, wipe_demo
from demo.showcase import build_showcase
from surveys.codes import format_code
from surveys.models import Kiosk, Receipt


def _already_message() -> str:
    return _("The demo city is already in this database; use --reset to rebuild it.")


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("not a whole number: %(value)s") % {"value": value}) from None
    if number < 0:
        raise argparse.ArgumentTypeError(_("must not be negative: %(value)s") % {"value": value})
    return number


class Command(BaseCommand):
    help = (
        "Build the demo city: Hanoi after the 1 July 2025 reform (the city, its departments, 126 wards and "
        "communes with their official codes, the pre-2025 units kept as history), about 40 common procedures, "
        "counters and kiosks, the standard survey, one demo account per role, a year of responses, then a full "
        "rollup. The demo accounts and their passwords are printed at the end (demo only)."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def one_line_error(message):
            # A bad argument gets one clear line and a non-zero exit, not argparse's usage block.
            if parser.called_from_command_line:
                parser.exit(
                    2,
                    _("%(command)s: error: %(message)s (see --help)") % {"command": "seed_demo", "message": message}
                    + "\n",
                )
            raise CommandError(f"Error: {message}")

        parser.error = one_line_error
        return parser

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed",
            type=_count,
            default=2025,
            help="Random seed; the same seed gives the same city and answers (default 2025).",
        )
        parser.add_argument(
            "--responses",
            type=_count,
            default=100_000,
            metavar="N",
            help="Counted responses to generate over the last 12 months (default 100000).",
        )
        parser.add_argument(
            "--reset", action="store_true", help="Wipe the demo city, its data and accounts, then build it again."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds units (used by `make run`).",
        )
        parser.add_argument(
            "--print-accounts", action="store_true", help="Only print the demo accounts and where to sign in."
        )
        parser.add_argument("--no-rollup", action="store_true", help="Skip the rollup at the end.")
        parser.add_argument(
            "--no-showcase",
            action="store_true",
            help="Skip the showcase: the last complete quarter published as open data, a few fresh comments "
            "and review flags at the demo ward, one survey draft (skipped anyway with --responses 0).",
        )
        parser.add_argument(
            "--base-url",
            default=None,
            metavar="URL",
            help=f"Address printed in links (default SITE_URL, {settings.SITE_URL}).",
        )

    def handle(self, *args, **options):
        base = (options["base_url"] or settings.SITE_URL).rstrip("/")
        if options["print_accounts"] and not options["if_empty"]:
            self._print_accounts(base)
            return
        if options["if_empty"] and options["reset"]:
            raise CommandError(_("--if-empty and --reset contradict each other; use one of them."))
        if options["if_empty"] and Unit.objects.exists():
            self.stdout.write(_("Units already exist: the demo city is not seeded (--if-empty)."))
            if options["print_accounts"]:
                self._print_accounts(base)
            return
        if options["reset"]:
            self.stdout.write(_("Wiping the demo city…"))
            wipe_demo()
        elif demo_exists():
            raise CommandError(_already_message())
        try:
            summary = build_demo(seed=options["seed"], responses=options["responses"], progress=self.stdout.write)
        except DemoExists:
            raise CommandError(_already_message()) from None
        self.stdout.write(
            _(
                "Demo city built in %(seconds).1fs: %(units)s active units (+%(historical)s historical, "
                "%(successions)s successions), %(procedures)s procedures, %(points)s service points, %(kiosks)s "
                "kiosks, %(receipts)s receipts, %(responses)s responses (+%(excluded)s excluded) with %(answers)s "
                "answers from %(first)s to %(last)s."
            )
            % {
                "seconds": summary.seconds,
                "units": summary.units,
                "historical": summary.historical_units,
                "successions": summary.successions,
                "procedures": summary.procedures,
                "points": summary.service_points,
                "kiosks": summary.kiosks,
                "receipts": summary.receipts,
                "responses": summary.responses,
                "excluded": summary.excluded,
                "answers": summary.answers,
                "first": summary.first_day or "-",
                "last": summary.last_day or "-",
            }
        )
        # The map's areas (issue 17): Hanoi's wards and communes, shipped with the project.
        call_command("load_boundaries", str(BOUNDARIES_FILE), stdout=self.stdout, stderr=self.stderr)
        rolled_up = False if options["no_rollup"] else self._rollup()
        self._tag_comments()
        if options["responses"] and not options["no_showcase"]:
            self._showcase(base, publish=rolled_up)
        self._print_accounts(base)

    def _showcase(self, base: str, *, publish: bool) -> None:
        shown = build_showcase(publish=publish)
        if shown.published:
            self.stdout.write(
                _("Open data: the ranking of %(period)s is published at %(url)s")
                % {"period": shown.published, "url": f"{base}/open-data/"}
            )
        self.stdout.write(
            _(
                "For the staff pages: %(comments)s fresh comments and %(flags)s review flags at the demo ward "
                "(%(url)s), one survey draft."
            )
            % {"comments": shown.comments, "flags": shown.flags, "url": f"{base}/manage/moderation/"}
        )

    def _rollup(self) -> bool:
        """Run the full rollup; True when the scores are there."""
        try:
            call_command("rollup", "--full", stdout=self.stdout, stderr=self.stderr)
        except CommandError as exc:
            if "Unknown command" in str(exc):
                self.stderr.write(_("The rollup command is not available yet: scores were not computed."))
                return False
            # The demo data is saved and consistent; the scores can catch up later (beat, or by hand).
            self.stderr.write(
                _("The rollup did not run (%(error)s): run `manage.py rollup --full` later.") % {"error": exc}
            )
            return False
        return True

    def _tag_comments(self) -> None:
        """Comment topics (issue 18's feedback app, above this one: called by name, never imported)."""
        try:
            call_command("tag_comments", stdout=self.stdout, stderr=self.stderr)
        except CommandError as exc:
            if "Unknown command" not in str(exc):
                self.stderr.write(str(exc))

    def _print_accounts(self, base: str) -> None:
        accounts = demo_accounts()
        if not accounts:
            self.stdout.write(_("No demo accounts in this database (build them with `manage.py seed_demo`)."))
            return
        self.stdout.write(_("Demo accounts (demo only: delete them or change their passwords before real use):"))
        for account in sorted(accounts, key=lambda a: ["administrator", "manager", "staff"].index(a.role)):
            if account.password:
                password = account.password
            elif account.hidden == "changed":
                password = _("(changed since the seed: not shown)")
            else:
                password = _("(unknown here: set it with `manage.py changepassword %(user)s`)") % {
                    "user": account.username
                }
            extra = "  — " + _("also /admin/") if account.role == "administrator" else ""
            role = str(Membership.Role(account.role).label)
            self.stdout.write(
                f"  {role:<16} {account.username:<16} {password:<22} {account.unit_name} ({account.unit_code}){extra}"
            )
        self.stdout.write(_("Sign in at %(url)s") % {"url": f"{base}/accounts/login/"})
        receipt = (
            Receipt.objects.filter(unit__code=DEMO_WARD, used_at__isnull=True, response__isnull=True)
            .order_by("-issued_at")
            .first()
        )
        if receipt is not None and not receipt.is_expired():
            self.stdout.write(
                _("Answer a survey as a citizen: %(url)s") % {"url": f"{base}/r/{format_code(receipt.code)}/"}
            )
        kiosk = Kiosk.objects.filter(service_point__unit__code=DEMO_WARD, revoked_at__isnull=True).first()
        if kiosk is not None:
            self.stdout.write(_("Kiosk mode of the same ward: %(url)s") % {"url": f"{base}/k/{kiosk.token}/"})
