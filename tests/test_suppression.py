"""Who sees exact counts where, and how a hidden count looks (geo_indi/observations/suppression.py)."""
from django.contrib.auth.models import AnonymousUser

from geo_indi.observations.suppression import EVERYWHERE, HIDDEN, exact_municipalities, label


def test_label_is_the_same_for_every_hidden_count():
    assert label(None, 5) == HIDDEN == ".." and label(0, 5) == "0" and label(12, 5) == "12"


def test_exact_scope_by_role(users, organisations):
    assert exact_municipalities(users["admin"]) == EVERYWHERE
    assert exact_municipalities(users["field_698"]) == set(organisations["698"].municipalities.values_list("id", flat=True))
    assert exact_municipalities(AnonymousUser()) == set()
