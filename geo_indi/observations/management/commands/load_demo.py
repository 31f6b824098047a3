from django.core.management import call_command
from django.core.management.base import BaseCommand

from geo_indi.accounts.demo import DEMO_PASSWORD, ensure_demo_accounts
from geo_indi.observations.demo import load_demo_observations
from geo_indi.observations.models import Phenomenon


class Command(BaseCommand):
    help = "Load geography, phenomena, demo logins, demo observations and sample indicators (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--observations", type=int, default=3000)
        parser.add_argument(
            "--synthetic", action="store_true", help="on an empty database, use the synthetic Lapland"
        )

    def handle(self, *args, observations=3000, synthetic=False, **options):
        call_command("load_geography", synthetic=synthetic, stdout=self.stdout)
        if not Phenomenon.objects.exists():
            call_command("loaddata", "fixtures/phenomena.json", stdout=self.stdout)
        logins = ensure_demo_accounts()
        created = load_demo_observations(observations)
        self.stdout.write(f"Demo observations created: {created}")
        call_command("load_demo_indicators", stdout=self.stdout)
        self.stdout.write("Demo logins (password for all: %s):" % DEMO_PASSWORD)
        for username, role, org in logins:
            self.stdout.write(f"  {username:16} {role:14} {org}")
