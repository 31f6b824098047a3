from django.core.management import call_command
from django.core.management.base import BaseCommand

from geo_indi.areas.models import PostcodeArea
from geo_indi.areas.sources import POSTCODE_DIR, SHARED_LAPLAND


class Command(BaseCommand):
    help = (
        "Load the best geography at hand for the demo: real data wins "
        "(../shared/data, then a cached Paavo file in data/postcodes/), else a synthetic Lapland."
    )

    def handle(self, *args, **options):
        cached = sorted(POSTCODE_DIR.glob("paavo_*.geojson"))
        if SHARED_LAPLAND.exists():
            call_command("import_postcode_areas", str(SHARED_LAPLAND), stdout=self.stdout)
        elif cached:
            call_command("import_postcode_areas", str(cached[-1]), stdout=self.stdout)
        elif PostcodeArea.objects.exists():
            self.stdout.write("Geography already loaded.")
        else:
            call_command("import_postcode_areas", source="synthetic", stdout=self.stdout)
