"""Who sees exact counts where, the threshold k, and how a hidden count looks.

The suppression itself (which cells are hidden, for every output that leaves
an organisation) lives in geo_indi.publication. Exact numbers are shown only
in the municipalities the viewer's organisation works in (administrators:
everywhere).
"""
from django.conf import settings

from geo_indi.accounts import roles

EVERYWHERE = "everywhere"
# What a hidden count looks like: the same for 0, for 1..k-1 and for a count hidden
# to protect another one, so the label itself says nothing (Statistics Finland's "..").
HIDDEN = ".."


def threshold():
    return settings.SUPPRESSION_K


def exact_municipalities(user):
    """EVERYWHERE, or the set of municipality ids where this user sees exact counts."""
    if roles.is_administrator(user):
        return EVERYWHERE
    return roles.municipality_ids_of(user)


def sees_exact(user_scope, municipality_id):
    return user_scope == EVERYWHERE or municipality_id in user_scope


def label(value, k=None):
    """What a person sees: the number, or the hidden mark."""
    return HIDDEN if value is None else str(value)
