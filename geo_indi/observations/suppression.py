"""Small-count suppression: the one rule for every output that leaves an organisation.

Primary: a count of 1..k-1 is shown as "<k", never as the number (0 is shown).
Complementary: within a group whose total is published (the postcode areas of
a municipality, the municipalities of Lapland, the phenomenon/direction cells
of an area), a lone suppressed cell could be recovered by subtraction, so the
smallest other non-zero cell of that group is suppressed too.

Exact numbers are shown only for municipalities the viewer's organisation
works in (administrators: everywhere).
"""
from django.conf import settings

from geo_indi.accounts import roles

EVERYWHERE = "everywhere"


def threshold():
    return settings.SUPPRESSION_K


def exact_municipalities(user):
    """EVERYWHERE, or the set of municipality ids where this user sees exact counts."""
    if roles.is_administrator(user):
        return EVERYWHERE
    return roles.municipality_ids_of(user)


def sees_exact(user_scope, municipality_id):
    return user_scope == EVERYWHERE or municipality_id in user_scope


def suppress_group(counts, k=None):
    """{key: count} -> {key: count or None}. None means suppressed ("<k")."""
    k = threshold() if k is None else k
    result = {key: (None if 0 < n < k else n) for key, n in counts.items()}
    suppressed = [key for key, v in result.items() if v is None]
    if len(suppressed) == 1:
        candidates = sorted(
            (n, str(key), key) for key, n in counts.items() if result[key] is not None and n > 0
        )
        if candidates:
            result[candidates[0][2]] = None
    return result


def label(value, k=None):
    """What a person sees: the number, or "<k"."""
    k = threshold() if k is None else k
    return f"<{k}" if value is None else str(value)
