"""A person's decisions on suggested groups: previewed, confirmed, and undone within a set time.

A decision is taken in two steps. `decision_plan` says what would move — how many records, from which
phenomena (counted in the database), to which — and a fingerprint of the members' current phenomena; the
decision itself is taken only with that fingerprint, so nothing moves that the person did not see. Members are
re-classified through the recording service. Every decision is a `GroupDecision` row, and so is its undo
(`group_undo`, within `GROUP_DECISION_UNDO_MINUTES`): the trail keeps both.
"""
import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from geo_indi.language.lemmas import finnish_voikko
from geo_indi.observations.models import Observation, Phenomenon
from geo_indi.observations.services import update_observation

from .grouping_runs import runs_of
from .models import GroupDecision, SuggestedGroup

NAME_MAX = 120
NOUN = "nimisana"  # Voikko's word class of nouns
MOVING_ACTIONS = (GroupDecision.Action.CONFIRM, GroupDecision.Action.MERGE)


def groups_open_to(user):
    return SuggestedGroup.objects.filter(run__in=runs_of(user), status=SuggestedGroup.Status.OPEN)


def suggested_name(group: SuggestedGroup) -> str:
    """A name for a new phenomenon from the group's shared words: the weightiest noun (Voikko), never a verb or
    an adjective; "" when none is a noun (or Voikko is not installed), and the person writes one."""
    voikko = finnish_voikko()
    if voikko is None:
        return ""
    for word in group.shared_words:
        analyses = voikko.analyze(word)
        if analyses and all(a.get("CLASS") == NOUN for a in analyses[:1]) and \
                analyses[0].get("BASEFORM", "").lower() == word.lower():
            return word[:1].upper() + word[1:]
    return ""


# A group whose members are mostly (this share) under one active phenomenon repeats it: merge, not confirm.
REPEAT_SHARE = 0.6


def repeated_phenomenon(group: SuggestedGroup):
    """The active phenomenon holding at least REPEAT_SHARE of the group's members (counted in the database),
    or None — the page then says the group repeats it and offers merge into it rather than a new one."""
    total = group.observations.count()
    if not total:
        return None
    top = (group.observations.filter(phenomenon__is_active=True).values("phenomenon")
           .annotate(n=Count("id")).order_by("-n", "phenomenon").first())
    if top is None or top["n"] < REPEAT_SHARE * total:
        return None
    return Phenomenon.objects.get(pk=top["phenomenon"])


def members_typical_first(group: SuggestedGroup) -> list[Observation]:
    """The group's members in the order stored when it was made (nearest its centre first); members without a
    stored place (older groups) follow by id."""
    members = list(group.observations.all())
    rank = {pk: i for i, pk in enumerate(group.member_order or [])}
    return sorted(members, key=lambda o: (rank.get(o.pk, len(rank)), o.pk))


def undo_window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.GROUP_DECISION_UNDO_MINUTES)


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


def _clean_name(name_fi):
    name_fi = (name_fi or "").strip()
    if not name_fi or len(name_fi) > NAME_MAX:
        raise ValidationError({"name_fi": [_("Give a name of at most %(max)d characters.") % {"max": NAME_MAX}]})
    return name_fi


def _members_fingerprint(group):
    rows = group.observations.order_by("id").values_list("id", "phenomenon_id")
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()[:32]


@dataclass
class DecisionPlan:
    """What a decision would do, for the person to confirm."""

    action: str
    target_name: str
    target: Phenomenon | None  # None: a new phenomenon
    members: int
    moving: int
    sources: list = field(default_factory=list)  # [(phenomenon name, records that move from it)], most first
    fingerprint: str = ""

    @property
    def staying(self):
        return self.members - self.moving


def decision_plan(group, *, user, action, phenomenon=None, name_fi="") -> DecisionPlan:
    """The preview of confirming (`name_fi`) or merging (`phenomenon`): ValidationError for bad input."""
    _decidable(group, user)
    if action == GroupDecision.Action.CONFIRM:
        target, target_name = None, _clean_name(name_fi)
    elif action == GroupDecision.Action.MERGE:
        if phenomenon is None:
            raise ValidationError({"phenomenon": [_("Choose the phenomenon to merge into.")]})
        if not phenomenon.is_active:
            raise ValidationError({"phenomenon": [_("This phenomenon is no longer in use.")]})
        target, target_name = phenomenon, phenomenon.name
    else:
        raise ValidationError(_("Unknown action."))
    members = group.observations.all()
    moving = members.exclude(phenomenon=target) if target else members
    names = {p.pk: p.name for p in Phenomenon.objects.filter(
        pk__in=moving.values("phenomenon_id"))}  # in the user's language
    rows = moving.values("phenomenon_id").annotate(n=Count("id")).order_by("-n", "phenomenon_id")
    sources = [(names.get(row["phenomenon_id"], "–"), row["n"]) for row in rows]
    return DecisionPlan(action=action, target_name=target_name, target=target, members=members.count(),
                        moving=sum(n for _name, n in sources), sources=sources,
                        fingerprint=_members_fingerprint(group))


def _locked_open(group, user, fingerprint):
    """The group row locked for the decision (two clicks decide once), checked against the preview seen."""
    _decidable(group, user)
    group = SuggestedGroup.objects.select_for_update().get(pk=group.pk)
    _decidable(group, user)
    if fingerprint is not None and fingerprint != _members_fingerprint(group):
        raise ValidationError(_("The group's records have changed since the preview. Look at the preview again."))
    return group


def _move_members(group, phenomenon, user, status, action, created):
    members = list(Observation.objects.filter(pk__in=group.observations.values("pk"))
                   .select_for_update().order_by("id"))
    moved, trail = {}, {}
    for observation in members:
        if observation.phenomenon_id != phenomenon.pk:
            moved[str(observation.pk)] = observation.phenomenon_id
            trail[str(observation.pk)] = [observation.phenomenon_id, observation.category_id]
            update_observation(observation, {"phenomenon": phenomenon, "category": None})
    now = timezone.now()
    group.status, group.phenomenon, group.decided_by, group.decided_at, group.moved = (
        status, phenomenon, user, now, moved)
    group.save()
    GroupDecision.objects.create(group=group, action=action, phenomenon=phenomenon, phenomenon_name=phenomenon.name_fi,
                                 created_phenomenon=created, moved=trail, by=user, by_username=user.get_username(),
                                 at=now)
    return group


def group_confirm_new(group, *, user, name_fi, name_sv="", name_en="", description_fi="", fingerprint=None):
    """A new (internal) phenomenon from the group; its members move to it. `fingerprint`: the preview's."""
    name_fi = _clean_name(name_fi)
    with transaction.atomic():
        group = _locked_open(group, user, fingerprint)
        phenomenon = Phenomenon.objects.create(
            slug=_unique_slug(name_fi), name_fi=name_fi, name_sv=name_sv.strip()[:NAME_MAX],
            name_en=name_en.strip()[:NAME_MAX], description_fi=description_fi.strip(),
            visibility=Phenomenon.Visibility.INTERNAL)
        return _move_members(group, phenomenon, user, SuggestedGroup.Status.CONFIRMED,
                             GroupDecision.Action.CONFIRM, created=True)


def group_merge(group, *, user, phenomenon, fingerprint=None):
    """The group's members move to an existing active phenomenon. `fingerprint`: the preview's."""
    if not phenomenon.is_active:
        raise ValidationError({"phenomenon": [_("This phenomenon is no longer in use.")]})
    with transaction.atomic():
        group = _locked_open(group, user, fingerprint)
        return _move_members(group, phenomenon, user, SuggestedGroup.Status.MERGED,
                             GroupDecision.Action.MERGE, created=False)


def group_dismiss(group, *, user):
    with transaction.atomic():
        group = _locked_open(group, user, None)
        now = timezone.now()
        group.status, group.decided_by, group.decided_at = SuggestedGroup.Status.DISMISSED, user, now
        group.save()
        GroupDecision.objects.create(group=group, action=GroupDecision.Action.DISMISS, by=user,
                                     by_username=user.get_username(), at=now)
        return group


def undoable_decision(group):
    """The group's decision that may still be undone now, or None."""
    if group.status == SuggestedGroup.Status.OPEN:
        return None
    decision = (GroupDecision.objects.filter(group=group).exclude(action=GroupDecision.Action.UNDO)
                .filter(undone_by__isnull=True).order_by("-at", "-id").first())
    if decision is None or timezone.now() - decision.at > undo_window():
        return None
    return decision


def undoable_decisions(user):
    """Decisions this user may still undo (any decider of the run's organisation may), newest first."""
    return (GroupDecision.objects.filter(group__run__in=runs_of(user), undone_by__isnull=True,
                                         at__gte=timezone.now() - undo_window())
            .exclude(action=GroupDecision.Action.UNDO).select_related("group", "phenomenon"))


def group_undo(group, *, user):
    """Undo the group's decision within the undo time: the records that still are where it put them go back to
    their phenomenon and category; a phenomenon the decision created is taken out of use when nothing is left in
    it. The group is open again; the undo is a decision row of its own. Returns (undo row, records moved back,
    records kept: moved again by someone since, or their phenomenon went out of use)."""
    if not runs_of(user).filter(pk=group.run_id).exists():
        raise PermissionDenied
    with transaction.atomic():
        group = SuggestedGroup.objects.select_for_update().get(pk=group.pk)
        decision = undoable_decision(group)
        if decision is None:
            raise ValidationError(_("This decision can no longer be undone (undo is possible for %(minutes)d minutes).")
                                  % {"minutes": settings.GROUP_DECISION_UNDO_MINUTES})
        back, kept = 0, 0
        if decision.action in MOVING_ACTIONS:
            before = {int(pk): value for pk, value in decision.moved.items()}
            targets = {p.pk: p for p in Phenomenon.objects.filter(pk__in={v[0] for v in before.values()})}
            for observation in (Observation.objects.filter(pk__in=before, phenomenon_id=decision.phenomenon_id)
                                .select_for_update().order_by("id")):
                phenomenon_id, category_id = before[observation.pk]
                if phenomenon_id not in targets or not targets[phenomenon_id].is_active:
                    continue  # its phenomenon has gone out of use since: it stays (counted as kept)
                update_observation(observation, {"phenomenon": targets[phenomenon_id], "category": category_id})
                back += 1
            kept = len(before) - back
            created = decision.phenomenon
            if decision.created_phenomenon and created is not None and not Observation.objects.filter(
                    phenomenon=created).exists():
                created.is_active = False
                created.save(update_fields=["is_active"])
        now = timezone.now()
        undo = GroupDecision.objects.create(
            group=group, action=GroupDecision.Action.UNDO, undoes=decision, phenomenon=decision.phenomenon,
            phenomenon_name=decision.phenomenon_name, by=user, by_username=user.get_username(), at=now,
            moved={pk: value for pk, value in decision.moved.items()})
        group.status, group.phenomenon, group.decided_by, group.decided_at, group.moved = (
            SuggestedGroup.Status.OPEN, None, None, None, {})
        group.save()
        return undo, back, kept
