from django.core.management.base import BaseCommand

from geo_indi.initiatives.services import reviews_request_due


class Command(BaseCommand):
    help = "Ask the responsible organisations for feedback on every initiative review whose date has come (run daily)."

    def handle(self, *args, **options):
        reviews = reviews_request_due()
        self.stdout.write(f"{len(reviews)} reviews requested")
