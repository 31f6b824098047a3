from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from geo_indi.publication.tables import release_republish

from .publish_tables import cells


class Command(BaseCommand):
    help = ("Publish a closed (frozen) year again with the current data, for a reason that is stored with the "
            "release and in the audit log. Only an administrator may do it (--by).")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="the closed calendar year")
        parser.add_argument("--reason", required=True, help="why the frozen release is replaced")
        parser.add_argument("--by", required=True, help="the username of the administrator who decides it")

    def handle(self, *args, year, reason, by, **options):
        user = get_user_model().objects.filter(username=by).first()
        if user is None:
            raise CommandError(f"No user {by!r}.")
        try:
            publication = release_republish(year=year, reason=reason, by=user)
        except PermissionDenied as e:
            raise CommandError(f"{by}: {e}.") from None
        except ValueError as e:
            raise CommandError(f"{year}: {e}.") from None
        when = timezone.localtime(publication.release.computed_at).strftime("%Y-%m-%d %H:%M:%S")
        self.stdout.write(f"{year}: republished (release of {when}, frozen): {cells(publication.arrays)}.")
