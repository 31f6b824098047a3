from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from geo_indi.accounts.erasure import ErasureRefused, user_erase


class Command(BaseCommand):
    help = "Erase a user's account. Their observations stay, attributed to their organisation only."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, username, yes=False, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None
        if not yes and input(f"Erase the account {username!r}? This cannot be undone. [y/N] ").lower() != "y":
            raise CommandError("Not erased.")
        try:
            kept = user_erase(user=user)
        except ErasureRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Erased {username}; {kept} observation(s) kept for the organisation.")
