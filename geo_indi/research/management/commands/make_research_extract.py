from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from geo_indi.research.services import extract_make


class Command(BaseCommand):
    help = "Write a research extract (Frictionless Data package) for whole calendar years; logged in the audit log."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="Username of the administrator making the extract")
        parser.add_argument("--from-year", type=int, required=True)
        parser.add_argument("--to-year", type=int, required=True)
        parser.add_argument("--purpose", required=True, help="What the extract is for (logged)")
        parser.add_argument("--recipient", required=True, help="Who receives it (logged)")
        parser.add_argument("--out", default=None, help="Directory (default: RESEARCH_EXTRACT_DIR)")

    def handle(self, *args, **o):
        try:
            user = get_user_model().objects.get(username=o["user"])
            extract = extract_make(made_by=user, year_from=o["from_year"], year_to=o["to_year"],
                                   purpose=o["purpose"], recipient=o["recipient"], directory=o["out"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user {o['user']}.") from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError("; ".join(m for ms in exc.message_dict.values() for m in ms)) from None
        self.stdout.write(f"{extract.path}/datapackage.json")
