from django import template

from geo_indi.questions import access

register = template.Library()


@register.filter
def may_ask_questions(user) -> bool:
    """The navigation shows /questions/ to those who ask there (coordinators, administrators)."""
    return access.may_ask(user)
