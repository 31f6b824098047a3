from django.core.management.base import BaseCommand

from geo_indi.indicators.demo import load_demo_indicators


class Command(BaseCommand):
    help = "Load the sample indicator set (labelled as sample data, not THL's) with links to the phenomena."

    def handle(self, *args, **options):
        written = load_demo_indicators()
        if written:
            self.stdout.write(f"Sample indicator values written: {written} (sample data, not THL's)")
        else:
            self.stdout.write("Indicators imported from Sotkanet exist: no sample indicators loaded.")
