from django.core.management.base import BaseCommand, CommandError

from geo_indi.observations import summary

COLUMNS = ("month", "municipality", "postcode area", "phenomenon", "category", "direction", "subject")


class Command(BaseCommand):
    help = ("Compare the monthly count summary with a grouped count of the observations; "
            "print the cells that differ and exit 1 if any. --rebuild refills it first.")

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true",
                            help="rebuild the summary from the observations (one transaction, writes wait) and prove it equal")

    def handle(self, *args, rebuild=False, **options):
        if rebuild:
            cells = summary.rebuild()
            self.stdout.write(f"Rebuilt the summary: {cells} cell(s).")
        comparison = summary.compare()
        for row in comparison.differences:
            key = ", ".join(f"{name} {value if value != 0 or name != 'category' else '-'}"
                            for name, value in zip(COLUMNS, row))
            self.stdout.write(f"{key}: observations {row[7]} in records, {row[9]} in summary; "
                              f"occurrences {row[8]} in records, {row[10]} in summary")
        if not comparison.equal:
            raise CommandError(f"The summary differs from the observations in {len(comparison.differences)} cell(s) "
                               f"({comparison.missing} record cell(s) not in it, {comparison.extra} cell(s) of it "
                               "not in the records). Repair: manage.py check_counts --rebuild")
        self.stdout.write("The summary equals the grouped count of the observations.")
