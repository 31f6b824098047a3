"""Account erasure: the person's account goes, their observations stay with the organisation.

Observation.reporter is SET_NULL, so the organisation (kept on each observation) is
all that remains of who reported it. Login attempts recorded for the username go too.
The audit log keeps what the person did (accountability); see docs/security.md.
"""
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from geo_indi.audit.services import Action, audit_record

from .lockout import clear_backoff, normalised_username


class ErasureRefused(Exception):
    pass


@transaction.atomic
def user_erase(*, user, by=None):
    """Delete the user's account and everything personal hanging from it. Returns the number of observations kept."""
    if by is not None and by.pk == user.pk:
        raise ErasureRefused(_("An administrator cannot erase their own account."))
    kept = user.observations.count()
    username = user.get_username()
    user_id = user.pk
    try:
        user.delete()
    except ProtectedError as exc:
        kinds = sorted({obj._meta.verbose_name for obj in exc.protected_objects})
        raise ErasureRefused(
            _("The account is referenced by records that must keep who confirmed them: %(kinds)s.")
            % {"kinds": ", ".join(str(k) for k in kinds)}
        ) from None
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__in={username, normalised_username(username)}).delete()
    clear_backoff(normalised_username(username))  # the failures counted under the username in the shared cache
    audit_record(
        Action.USER_ERASED, actor=by, object_type="auth.user", object_id=user_id,
        detail={"observations_kept": kept},
    )
    return kept
