from django.core.management.base import BaseCommand

from geo_indi.questions.services import questions_remind


class Command(BaseCommand):
    help = "Email a reminder to everyone who has not answered an open question closing soon (run daily)."

    def add_arguments(self, parser):
        parser.add_argument("--days-before", type=int, default=None,
                            help="Remind about questions closing within this many days (default: setting)")

    def handle(self, *args, days_before=None, **options):
        sent = questions_remind(days_before=days_before)
        self.stdout.write(f"{sent} reminders sent")
