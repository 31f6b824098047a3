"""Who may ask, answer, see answers, create initiatives and make research extracts (docs/loop.md).

Built on accounts/roles.py: the one place that says who a user is.
"""
from geo_indi.accounts import roles


def may_ask(user):
    """Coordinators and administrators ask questions (and so start initiatives' follow-up)."""
    return roles.is_coordinator(user) or roles.is_administrator(user)


def may_answer(user, question):
    from .models import Question

    return Question.objects.asked_to(user).filter(pk=question.pk).exists()


def sees_answers(user, question):
    """Answers, one by one and counted, stay inside the asking organisation (and administrators)."""
    if roles.is_administrator(user):
        return True
    org = roles.organisation_of(user)
    return org is not None and org.pk == question.organisation_id


def may_create_initiative(user):
    return may_ask(user)


def may_make_extract(user):
    return roles.is_administrator(user)
