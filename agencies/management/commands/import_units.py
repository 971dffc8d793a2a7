"""Load a province, or the whole country, from a units file in the merges.json format."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from agencies import bounds
from agencies.importer import REFORM_DATE, UnitsFileError, import_units, read_units_file


def _date(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("Not a date (YYYY-MM-DD): %(value)s") % {"value": value}) from None
    if not bounds.in_range(day):
        raise CommandError(f"{value}: {bounds.DATE_RANGE_MESSAGE}")
    return day


class Command(BaseCommand):
    help = (
        "Create or update administrative units from FILE (the vn-admin-units-2025 merges.json format, e.g. "
        "agencies/data/hanoi.json). New units are active with their official codes; the pre-reform units they "
        "were formed from are kept as inactive historical units (code old-<code>) with full/partial "
        "successions. Running it again with the same file changes nothing."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def one_line_error(message):
            # A bad argument gets one clear line and a non-zero exit, not argparse's usage block.
            if parser.called_from_command_line:
                parser.exit(
                    2,
                    _("%(command)s: error: %(message)s (see --help)") % {"command": "import_units", "message": message}
                    + "\n",
                )
            raise CommandError(f"Error: {message}")

        parser.error = one_line_error
        return parser

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the units file (JSON).")
        parser.add_argument(
            "--province",
            action="append",
            metavar="CODE",
            help="Import only this province (2-digit code); repeat for several. Default: every province in FILE.",
        )
        parser.add_argument(
            "--effective-on",
            default=REFORM_DATE.isoformat(),
            metavar="DATE",
            help=f"Date of the reorganisation (default {REFORM_DATE.isoformat()}).",
        )

    def handle(self, *args, file, province, effective_on, **options):
        effective = _date(effective_on)
        try:
            data = read_units_file(file)
            result = import_units(data=data, provinces=province, effective_on=effective)
        except UnitsFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _(
                "Provinces %(provinces)s: units %(created)s created, %(updated)s updated, %(unchanged)s unchanged; "
                "successions %(s_created)s created, %(s_updated)s updated, %(s_deleted)s removed."
            )
            % {
                "provinces": ", ".join(result.provinces),
                "created": result.units_created,
                "updated": result.units_updated,
                "unchanged": result.units_unchanged,
                "s_created": result.successions_created,
                "s_updated": result.successions_updated,
                "s_deleted": result.successions_deleted,
            }
        )
