"""The registry of alert conditions evaluated outside services.py's own counting.

An evaluator is registered in an AppConfig.ready(): `register(AlertRule.Condition.NEW_HOT_SPOT, evaluate)`
(AlertsConfig registers hot_spots.new_hot_spot_outcome, which calls geo_indi.analysis downward).
An evaluator takes (rule, today) and returns an Outcome.
"""
import datetime as dt
from dataclasses import dataclass

_evaluators = {}


@dataclass
class Outcome:
    met: bool
    observed_value: float | None
    window_start: dt.date
    window_end: dt.date
    summary: str  # areas and counts only
    # What the condition remembers until the next evaluation (None: nothing, the rule's state is kept as it is).
    state: dict | None = None
    # None: the rule fires once while `met` holds. True/False for a condition about events (a new hot spot):
    # the rule fires exactly when something new happened, even while its last alert is still open.
    renewed: bool | None = None


def register(condition, evaluator):
    _evaluators[str(condition)] = evaluator


def evaluator_for(condition):
    return _evaluators.get(str(condition))
