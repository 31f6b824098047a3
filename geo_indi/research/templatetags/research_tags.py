from django import template

from geo_indi.research import requests

register = template.Library()


@register.filter
def research_page(user) -> bool:
    """The navigation shows /research/ to researchers and to the data owner's coordinators."""
    return requests.may_request(user) or requests.is_data_owner(user)
