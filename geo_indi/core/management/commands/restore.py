from django.core.management.base import BaseCommand, CommandError

from geo_indi.core.backups import BackupError, restore_database


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` into the configured database (created by the restore)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--replace", action="store_true", help="drop the database first if it exists")

    def handle(self, *args, file, replace=False, **options):
        try:
            restore_database(file, replace=replace)
        except BackupError as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"Restored {file}")
