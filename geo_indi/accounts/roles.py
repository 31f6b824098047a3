"""Who a user is in the product: organisation, role and municipalities. One place for it."""
from .models import Membership

# What this module reads about a user: loaded with the user in the one query that authenticates
# a request (API token, session), so answering costs no query and cannot go stale.
MEMBERSHIP_RELATED = ("membership", "membership__organisation")


def membership_of(user):
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def is_administrator(user):
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    m = membership_of(user)
    return bool(m and m.role == Membership.Role.ADMINISTRATOR)


def is_coordinator(user):
    m = membership_of(user)
    return bool(m and m.role == Membership.Role.COORDINATOR)


def is_researcher(user):
    """A researcher asks for research extracts (geo_indi/research/) and sees nothing else of the records."""
    m = membership_of(user)
    return bool(m and m.role == Membership.Role.RESEARCHER)


def organisation_of(user):
    m = membership_of(user)
    return m.organisation if m else None


def municipality_ids_of(user):
    """Municipalities the user's organisation works in (empty for anonymous users)."""
    org = organisation_of(user)
    if org is None:
        return set()
    return set(org.municipalities.values_list("id", flat=True))
