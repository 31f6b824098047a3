"""How long personal extras of an observation are kept."""
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import Observation


def follow_up_notes_purge(*, now=None, retention_days=None):
    """Empty the follow-up notes of observations recorded more than the retention time ago. Returns how many."""
    days = settings.FOLLOW_UP_NOTE_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return Observation.objects.filter(created_at__lt=cutoff).exclude(follow_up_note="").update(follow_up_note="")
