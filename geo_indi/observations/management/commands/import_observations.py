from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from geo_indi.observations.importing import CSV_FIELDS, ImportFileError, import_observations


class Command(BaseCommand):
    help = (
        "Import observations from CSV (columns: " + ",".join(CSV_FIELDS) + ") or a GeoJSON "
        "FeatureCollection of Points, through the recording service (same validation and "
        "snapping as the API). Reports created, duplicate and rejected rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--reporter", required=True, help="username; the organisation is theirs")
        parser.add_argument("--atomic", action="store_true", help="all rows or nothing")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, file, reporter, atomic=False, batch_size=1000, **options):
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
