from django.core.management import call_command
from django.core.management.base import BaseCommand

from geo_indi.areas.models import PostcodeArea
from geo_indi.areas.sources import LAPLAND_POSTCODE_AREAS, POSTCODE_DIR


class Command(BaseCommand):
    help = (
        "Load geography for the demo unless some is loaded already: the real Lapland shipped in "
        "data/postcodes/ (else a cached Paavo file there), or the synthetic Lapland with --synthetic."
    )

    def add_arguments(self, parser):
        parser.add_argument("--synthetic", action="store_true", help="load the synthetic Lapland")

    def handle(self, *args, synthetic=False, **options):
        if PostcodeArea.objects.exists():
            self.stdout.write(f"Geography already loaded: {PostcodeArea.objects.count()} postcode areas.")
            return
        cached = sorted(POSTCODE_DIR.glob("paavo_*.geojson"))
        if synthetic:
            call_command("import_postcode_areas", source="synthetic", stdout=self.stdout)
        elif LAPLAND_POSTCODE_AREAS.exists():
            call_command("import_postcode_areas", str(LAPLAND_POSTCODE_AREAS), stdout=self.stdout)
        elif cached:
            call_command("import_postcode_areas", str(cached[-1]), stdout=self.stdout)
        else:
            call_command("import_postcode_areas", source="synthetic", stdout=self.stdout)
