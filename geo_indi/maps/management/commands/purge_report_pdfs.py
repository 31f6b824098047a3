from django.core.management.base import BaseCommand

from geo_indi.maps.report_pdfs import purge_expired


class Command(BaseCommand):
    help = "Delete the report PDFs past their expiry (the periodic job purge_report_pdfs)."

    def handle(self, *args, **options):
        self.stdout.write(f"{purge_expired()} expired report PDF(s) deleted")
