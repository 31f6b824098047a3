"""A person's decisions on suggested groups. Members are re-classified through the recording service."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from geo_indi.observations.models import Phenomenon
from geo_indi.observations.services import update_observation

from .grouping_runs import runs_of
from .models import SuggestedGroup

NAME_MAX = 120


def groups_open_to(user):
    return SuggestedGroup.objects.filter(run__in=runs_of(user), status=SuggestedGroup.Status.OPEN)


def _decidable(group, user):
    if not runs_of(user).filter(pk=group.run_id).exists():
        raise PermissionDenied
    if group.status != SuggestedGroup.Status.OPEN:
        raise ValidationError(_("This group has already been decided."))


def _unique_slug(name):
    base = slugify(name)[:50] or "ilmio"
    slug, n = base, 2
    while Phenomenon.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _move_members(group, phenomenon, user, status):
    members = list(group.observations.select_for_update().order_by("id"))
    moved = {}
    for observation in members:
        if observation.phenomenon_id != phenomenon.pk:
            moved[str(observation.pk)] = observation.phenomenon_id
            update_observation(observation, {"phenomenon": phenomenon, "category": None})
    group.status, group.phenomenon, group.decided_by, group.decided_at, group.moved = (
        status, phenomenon, user, timezone.now(), moved)
    group.save()
    return group


def group_confirm_new(group, *, user, name_fi, name_sv="", name_en="", description_fi=""):
    """A new (internal) phenomenon from the group; its members move to it."""
    _decidable(group, user)
    name_fi = (name_fi or "").strip()
    if not name_fi or len(name_fi) > NAME_MAX:
        raise ValidationError({"name_fi": [_("Give a name of at most %(max)d characters.") % {"max": NAME_MAX}]})
    with transaction.atomic():
        phenomenon = Phenomenon.objects.create(
            slug=_unique_slug(name_fi), name_fi=name_fi, name_sv=name_sv.strip()[:NAME_MAX],
            name_en=name_en.strip()[:NAME_MAX], description_fi=description_fi.strip(),
            visibility=Phenomenon.Visibility.INTERNAL)
        return _move_members(group, phenomenon, user, SuggestedGroup.Status.CONFIRMED)


def group_merge(group, *, user, phenomenon):
    """The group's members move to an existing active phenomenon."""
    _decidable(group, user)
    if not phenomenon.is_active:
        raise ValidationError({"phenomenon": [_("This phenomenon is no longer in use.")]})
    with transaction.atomic():
        return _move_members(group, phenomenon, user, SuggestedGroup.Status.MERGED)


def group_dismiss(group, *, user):
    _decidable(group, user)
    group.status, group.decided_by, group.decided_at = SuggestedGroup.Status.DISMISSED, user, timezone.now()
    group.save()
    return group
