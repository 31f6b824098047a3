"""Where each role's work is: the page a user lands on after logging in."""
from django.urls import reverse

from geo_indi.areas.models import Municipality

from . import roles
from .models import Membership


def landing_url(user):
    """Field worker → the field app; coordinator → their municipality's map (the overview if they
    work in several); researcher → their research requests; administrator → the maps overview; anyone else → the home page."""
    if roles.is_administrator(user):
        return reverse("maps:overview")
    membership = roles.membership_of(user)
    if membership is None:
        return reverse("home")
    if membership.role == Membership.Role.FIELD_WORKER:
        return reverse("field:index")
    if membership.role == Membership.Role.RESEARCHER:
        return reverse("research:index")
    codes = list(Municipality.objects.filter(organisations=membership.organisation).values_list("code", flat=True)[:2])
    if len(codes) == 1:
        return reverse("maps:municipality", args=[codes[0]])
    return reverse("maps:overview")
