"""Who may see which observations: the one place for visibility rules."""
from django.contrib.gis.db import models
from django.db.models import Q
from django.db.models.query import ModelIterable

from geo_indi.accounts import roles


def sees_internal_phenomena(user):
    """Members of an organisation (and administrators) see internal phenomena too."""
    return roles.is_administrator(user) or roles.membership_of(user) is not None


def publishable_phenomena_q(user, prefix=""):
    """The phenomena a user may see, as a Q over Phenomenon (or, with `prefix="phenomenon__"`, over what points at one).

    Anonymous users: public, active phenomena; members of an organisation: all."""
    if sees_internal_phenomena(user):
        return Q()
    return Q(**{f"{prefix}visibility": "public", f"{prefix}is_active": True})


class PhenomenonQuerySet(models.QuerySet):
    def publishable_to(self, user):
        """Phenomena this user may see in maps, layers and indicator pages (and filter by)."""
        return self.filter(publishable_phenomena_q(user))


class SharedRecordsIterable(ModelIterable):
    """Model instances as the queryset's reading presents them (sharing.services.Reading.present)."""

    def __iter__(self):
        reading = self.queryset._reading
        for obj in super().__iter__():
            yield obj if reading is None else reading.present(obj)


class ObservationQuerySet(models.QuerySet):
    _reading = None

    def _clone(self):
        c = super()._clone()
        c._reading = self._reading
        return c

    def visible_to(self, user):
        """Records a user may read, as they may read them: the one rule for every list of records.

        Administrators: all. Coordinators: their organisation's, and the records of organisations with a
        data-sharing agreement in force towards theirs (geo_indi.sharing): "records" blanks the free
        text, and other organisations' timestamps come as the day only. Field workers: their
        organisation's. Anonymous users and users without an organisation: none.
        """
        from geo_indi.sharing.services import reading_of

        reading = reading_of(user)
        if reading is None:
            return self.none()
        if reading.everything:
            return self
        qs = self.filter(Q(organisation_id=reading.own_id) | Q(organisation_id__in=reading.other_ids))
        qs._reading = reading
        qs._iterable_class = SharedRecordsIterable
        return qs

    def with_text(self):
        """Of `visible_to`, the records whose free text the user reads (for code that reads text in bulk)."""
        reading = self._reading
        return self if reading is None else self.exclude(organisation_id__in=reading.without_text_ids)

    def publishable_to(self, user):
        """Observations that may be counted in maps and layers for this user.

        Anonymous users see only public, active phenomena; signed-in members
        also internal ones. What is shown exactly and what is suppressed is
        decided by geo_indi.observations.suppression.
        """
        return self.filter(publishable_phenomena_q(user, "phenomenon__"))

    def object_points_for(self, user):
        """Object observations whose exact point this user may receive."""
        return self.publishable_to(user).filter(subject="object", location__isnull=False)

    def notes_visible_to(self, user):
        """Records whose consent note this user may read: own organisation only."""
        organisation_id = _note_reader_organisation_id(user)
        return self.none() if organisation_id is None else self.filter(organisation_id=organisation_id)

    def follow_up_note_for(self, observation, user):
        """The note of one loaded record by the rule of `notes_visible_to`, else None."""
        organisation_id = _note_reader_organisation_id(user)
        readable = organisation_id is not None and observation.organisation_id == organisation_id
        return observation.follow_up_note if readable else None


class ObservationMonthlyCountQuerySet(models.QuerySet):
    def publishable_to(self, user):
        """Summary rows counted for this user: the same phenomena as `ObservationQuerySet.publishable_to`."""
        return self.filter(publishable_phenomena_q(user, "phenomenon__"))


def _note_reader_organisation_id(user):
    org = roles.organisation_of(user)
    return None if org is None else org.pk
