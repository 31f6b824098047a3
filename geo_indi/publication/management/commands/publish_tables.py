from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from geo_indi.observations import summary
from geo_indi.publication import releases
from geo_indi.publication.tables import publish_release, structure


def years_with_observations():
    return sorted(row["year"] for row in summary.grouped_counts({}, ["year"], user=summary.ALL_PHENOMENA))


def cells(arrays):
    """'T cell(s), N with persons, H of those hidden' over every group (zeros are hidden too, not counted)."""
    total = sum(persons.size for persons, *_rest in arrays)
    counted = sum(int((persons > 0).sum()) for persons, *_rest in arrays)
    hidden = sum(int((h & (persons > 0)).sum()) for persons, _o, h, *_occurrences in arrays)
    return f"{total} cell(s), {counted} with persons, {hidden} of those hidden"


def changed_cells(before, after):
    """Cells whose person or object count (records or occurrences) differs between two releases of one structure."""
    return sum(int(((b[0] != a[0]) | (b[1] != a[1]) | (b[3] != a[3]) | (b[4] != a[4])).sum())
               for b, a in zip(before, after))


class Command(BaseCommand):
    help = ("Compute the published tables' releases now (every year with observations and the current one, "
            "or --year) and print what changed. Waits while another process computes the same year.")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="only this calendar year")

    def handle(self, *args, year=None, **options):
        known = years_with_observations()
        if year is not None and year not in known and year != timezone.localdate().year:
            raise CommandError(f"No observations in {year}: nothing to publish (years with observations: "
                               f"{', '.join(map(str, known)) or 'none'}).")
        years = [year] if year is not None else sorted(set(known) | {timezone.localdate().year})
        struct = structure()
        for y in years:
            publication = publish_release(y, struct=struct)
            described = cells(publication.arrays)
            when = timezone.localtime(publication.release.computed_at).strftime("%Y-%m-%d %H:%M:%S")
            if not publication.changed:
                self.stdout.write(f"{y}: unchanged (release of {when}): {described}.")
            elif publication.previous is None:
                self.stdout.write(f"{y}: first release: {described}.")
            else:
                before = releases.decode(publication.previous.payload, len(struct.groups))
                self.stdout.write(f"{y}: new release replaces the one of "
                                  f"{timezone.localtime(publication.previous.computed_at):%Y-%m-%d %H:%M:%S}: "
                                  f"{changed_cells(before, publication.arrays)} cell(s) changed; "
                                  f"{described}.")
