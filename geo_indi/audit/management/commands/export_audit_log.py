from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from geo_indi.audit.models import AuditEvent
from geo_indi.audit.services import write_csv


def _date(text):
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {text}") from None


class Command(BaseCommand):
    help = "Write the audit log as CSV (to standard output or a file), oldest first."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=_date, help="first day (YYYY-MM-DD), inclusive")
        parser.add_argument("--until", type=_date, help="last day (YYYY-MM-DD), inclusive")
        parser.add_argument("--action", help="only this action")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, since=None, until=None, action=None, output=None, **options):
        events = AuditEvent.objects.order_by("at", "id")
        if since:
            events = events.filter(at__date__gte=since)
        if until:
            events = events.filter(at__date__lte=until)
        if action:
            events = events.filter(action=action)
        if output:
            with open(output, "w", newline="", encoding="utf-8") as fh:
                write_csv(events, fh)
        else:
            write_csv(events, self.stdout)
