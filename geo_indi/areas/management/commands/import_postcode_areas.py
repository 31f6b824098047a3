from django.core.management.base import BaseCommand, CommandError

from geo_indi.areas.importer import GeographyImportError, import_postcode_areas
from geo_indi.areas.sources import DownloadError, download_paavo, synthetic_lapland


class Command(BaseCommand):
    help = (
        "Import postcode areas from a GeoJSON, GeoPackage or Shapefile, from Statistics "
        "Finland's WFS (--source paavo --year YYYY) or a synthetic Lapland (--source synthetic). "
        "Municipalities are derived by dissolving their postcode areas."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="GIS file to import")
        parser.add_argument("--source", choices=["file", "paavo", "synthetic"], default="file")
        parser.add_argument("--year", type=int, help="Paavo year, with --source paavo")
        parser.add_argument("--wfs-url", help="override PAAVO_WFS_URL")
        parser.add_argument("--refresh", action="store_true", help="download again even if cached")
        parser.add_argument("--srid", type=int, help="CRS of a file that declares none")
        parser.add_argument(
            "--allow-shrink", action="store_true",
            help="accept existing postcode areas that shrink or grow more than GEOGRAPHY_MAX_AREA_CHANGE",
        )

    def handle(self, *args, path=None, source="file", year=None, wfs_url=None, refresh=False, srid=None,
               allow_shrink=False, **options):
        try:
            if source == "paavo":
                if not year:
                    raise CommandError("--source paavo needs --year YYYY")
                path = download_paavo(year, url=wfs_url, refresh=refresh)
                self.stdout.write(f"Using {path}")
            elif source == "synthetic":
                path = synthetic_lapland(path)
                self.stdout.write(f"Generated SYNTHETIC Lapland into {path}")
            elif not path:
                raise CommandError("give a PATH, or --source paavo|synthetic")
            report = import_postcode_areas(path, srid=srid, source=source, allow_shrink=allow_shrink)
        except (GeographyImportError, DownloadError) as exc:
            raise CommandError(str(exc))
        for line in report.lines():
            self.stdout.write(line)
