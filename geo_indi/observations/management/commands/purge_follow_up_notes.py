from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from geo_indi.observations.retention import follow_up_notes_purge


class Command(BaseCommand):
    help = "Delete follow-up notes older than FOLLOW_UP_NOTE_RETENTION_DAYS (run daily from cron)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None,
            help=f"retention in days (default: the setting, now {settings.FOLLOW_UP_NOTE_RETENTION_DAYS})",
        )

    def handle(self, *args, days=None, **options):
        if days is not None and days < 0:
            raise CommandError("--days must be 0 or more.")
        purged = follow_up_notes_purge(retention_days=days)
        self.stdout.write(f"Deleted {purged} follow-up note(s).")
