from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from geo_indi.observations.importing import (
    BATCH_SIZE,
    CSV_FIELDS,
    MAX_BATCH_SIZE,
    ImportFileError,
    import_observations,
)


class Command(BaseCommand):
    help = (
        "Import observations from CSV (columns: " + ",".join(CSV_FIELDS) + ") or a GeoJSON "
        "FeatureCollection of Points. Each batch is checked, snapped (the API's rules) and "
        "inserted by one SQL statement. Reports created, duplicate and rejected rows with every reason."
    )
    # A data command: the URL and template checks import every view (seconds) and guard nothing here.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--reporter", required=True, help="username; the organisation is theirs")
        parser.add_argument("--atomic", action="store_true", help="all rows or nothing")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=f"rows per statement (at most {MAX_BATCH_SIZE})")

    def handle(self, *args, file, reporter, atomic=False, batch_size=BATCH_SIZE, **options):
        user = get_user_model().objects.filter(username=reporter).first()
        if user is None:
            raise CommandError(f"No user {reporter!r}.")
        try:
            report = import_observations(file, reporter=user, atomic=atomic, batch_size=batch_size)
        except ImportFileError as exc:
            raise CommandError(str(exc))
        for line in report.lines():
            self.stdout.write(line)
        if atomic and report.rejected:
            raise CommandError("--atomic: rows were rejected, nothing was imported.")
