from django.core.management.base import BaseCommand, CommandError

from geo_indi.indicators.sotkanet import FileSource, HttpSource, SotkanetError, import_indicators, parse_years


class Command(BaseCommand):
    help = "Import THL Sotkanet indicators and their municipal values (REST API 1.1 or a saved JSON file)."

    def add_arguments(self, parser):
        parser.add_argument("--indicator", type=int, action="append", required=True, help="Sotkanet indicator id (repeatable)")
        parser.add_argument("--years", required=True, help="e.g. 2015-2024")
        parser.add_argument("--file", help="Saved JSON: {indicators: [...], regions: [...], values: [...]}")
        parser.add_argument("--base-url", help="Default: settings.SOTKANET_API_URL")
        parser.add_argument("--timeout", type=float, help="Seconds to wait for each answer")

    def handle(self, *args, **options):
        indicator_ids = list(dict.fromkeys(options["indicator"]))
        try:
            years = parse_years(options["years"])
            source = FileSource(options["file"]) if options["file"] else HttpSource(options["base_url"], options["timeout"])
            report = import_indicators(indicator_ids, years, source)
        except SotkanetError as exc:
            raise CommandError(f"{exc}. Nothing was imported.")
        self.stdout.write(
            f"Imported {report.indicators} indicator(s), {report.values_written} value(s); "
            f"skipped {report.values_outside_coverage} outside the imported municipalities "
            f"and {report.values_without_number} without a number."
        )
