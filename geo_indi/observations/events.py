"""The one announcement of a write: `observation_recorded`, sent after commit."""
from __future__ import annotations

import django.dispatch
from django.db import transaction

from .models import Observation

# Sent once per write (a single record, a bulk batch, an edit, a delete) after commit,
# with `observations`: the instances written, deleted ones as they were, and an edited
# one as it was too when it moved. Alerts re-evaluate each rule they touch once.
observation_recorded = django.dispatch.Signal()


def announce(*observations: Observation) -> None:
    """Send `observation_recorded` for these observations once the transaction commits."""
    if observations:
        transaction.on_commit(lambda: observation_recorded.send(sender=Observation, observations=list(observations)))
