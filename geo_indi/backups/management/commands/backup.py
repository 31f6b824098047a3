from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from geo_indi.backups.services import BackupError, backup_database


class Command(BaseCommand):
    help = "Back up the database (custom-format pg_dump) into a timestamped file; prints its path."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=settings.BACKUP_DIR, help="folder for the backup (BACKUP_DIR)")

    def handle(self, *args, dir, **options):
        try:
            path = backup_database(dir)
        except BackupError as exc:
            raise CommandError(str(exc))
        self.stdout.write(str(path))
