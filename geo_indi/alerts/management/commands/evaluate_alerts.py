from django.core.management.base import BaseCommand

from geo_indi.alerts.services import evaluate_all


class Command(BaseCommand):
    help = "Evaluate every active alert rule: fire (and e-mail) new alerts, clear those whose condition no longer holds."

    def handle(self, *args, **options):
        evaluations = evaluate_all()
        fired = sum(1 for e in evaluations if e.fired)
        cleared = sum(1 for e in evaluations if e.cleared)
        self.stdout.write(f"Evaluated {len(evaluations)} rule(s): {fired} fired, {cleared} cleared.")
