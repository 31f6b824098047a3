"""Who may change or delete an observation."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from geo_indi.accounts import roles

from .models import Observation


def can_modify(observation: Observation, user: Any) -> bool:
    """The reporter within the edit window; administrators always."""
    if roles.is_administrator(user):
        return True
    if observation.reporter_id != getattr(user, "pk", None):
        return False
    window = dt.timedelta(hours=settings.OBSERVATION_EDIT_WINDOW_HOURS)
    return timezone.now() - observation.created_at <= window
