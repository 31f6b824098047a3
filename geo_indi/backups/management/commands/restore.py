from django.core.management.base import BaseCommand, CommandError

from geo_indi.backups.services import BackupError, restore_database


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` as the configured database: into a new database, verified, "
        "then swapped in by renaming (--replace keeps the old one as <name>_previous)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--replace", action="store_true", help="swap the restored copy in for an existing database")
        parser.add_argument("--allow-older", action="store_true",
                            help="accept a backup that lacks migrations of this version (run migrate after)")

    def handle(self, *args, file, replace=False, allow_older=False, **options):
        try:
            counts = restore_database(file, replace=replace, allow_older=allow_older)
        except BackupError as exc:
            raise CommandError(f"{exc}; the live database is unchanged")
        self.stdout.write(f"Restored {file}: " + ", ".join(f"{table} {n}" for table, n in counts.items()))
