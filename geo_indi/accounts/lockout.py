"""Login lockout (django-axes): how failures are counted and what a locked person sees."""
import unicodedata

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render
from django.utils.translation import gettext as _


def normalised_username(username):
    return unicodedata.normalize("NFKC", username).strip().casefold()


def lockout_username(request, credentials=None):
    """The username failures are counted under: "Admin", "ADMIN " and "admin" are one, whatever login accepts."""
    field = settings.AXES_USERNAME_FORM_FIELD
    return normalised_username((credentials or {}).get(field) or request.POST.get(field) or "")


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked username + address: the login page with the reason, 429."""
    form = AuthenticationForm(request, data=request.POST or None)
    form.errors.clear()
    form.add_error(None, _(
        "Too many failed login attempts. This account is locked for this address; "
        "try again later or ask an administrator to unlock it."
    ))
    return render(request, "registration/login.html", {"form": form, "next": request.POST.get("next", "")}, status=429)
