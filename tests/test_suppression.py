"""The one small-count rule (geo_indi/observations/suppression.py) and the grouped counts."""
import pytest

from geo_indi.observations.aggregates import area_counts
from geo_indi.observations.models import Observation
from geo_indi.observations.suppression import EVERYWHERE, exact_municipalities, label, suppress_group

from .conftest import INSIDE_ALFA


@pytest.mark.parametrize(
    "counts, expected",
    [
        ({"a": 7, "b": 9}, {"a": 7, "b": 9}),                      # nothing small
        ({"a": 0, "b": 9}, {"a": 0, "b": 9}),                      # zero is shown
        ({"a": 3, "b": 9, "c": 6}, {"a": None, "b": 9, "c": None}),  # lone <k takes the smallest other with it
        ({"a": 3, "b": 2, "c": 6}, {"a": None, "b": None, "c": 6}),  # two suppressed: no recovery by subtraction
        ({"a": 4, "b": 0}, {"a": None, "b": 0}),                   # no non-zero partner to hide
        ({"a": 1}, {"a": None}),
    ],
)
def test_suppress_group(counts, expected):
    assert suppress_group(counts, k=5) == expected


def test_label():
    assert label(None, 5) == "<5" and label(0, 5) == "0" and label(12, 5) == "12"


def test_exact_scope_by_role(users, organisations):
    assert exact_municipalities(users["admin"]) == EVERYWHERE
    assert exact_municipalities(users["field_698"]) == set(organisations["698"].municipalities.values_list("id", flat=True))
    from django.contrib.auth.models import AnonymousUser

    assert exact_municipalities(AnonymousUser()) == set()


def test_area_counts_one_grouped_query_by_hand(record, users, django_assert_max_num_queries):
    for _ in range(3):
        record(*INSIDE_ALFA)                                  # 99001 person weakens
    record(*INSIDE_ALFA, direction="strengthens")             # 99001
    for _ in range(6):
        record(66.05, 25.3, subject="object", phenomenon="ilkivalta")  # 99002
    qs = Observation.objects.all()
    from geo_indi.areas.models import PostcodeArea

    alfa, beta = (PostcodeArea.objects.get(postcode=p).pk for p in ("99001", "99002"))
    with django_assert_max_num_queries(3):
        insider = area_counts(qs, "postcode_area", users["field_698"], k=5)
    assert (insider[alfa].count, insider[alfa].weakens, insider[alfa].strengthens) == (4, 3, 1)
    assert insider[beta].count == 6 and insider[beta].exact
    outsider = area_counts(qs, "postcode_area", users["field_320"], k=5)
    # Rovaniemi's areas: Alfa 4 (<5) would be recoverable from the municipality total, so Beeta goes too.
    assert outsider[alfa].count is None and outsider[beta].count is None
    assert outsider[alfa].weakens is None and not outsider[alfa].exact
