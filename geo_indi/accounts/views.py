from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .forms import ApiTokenForm
from .models import ApiToken
from .tokens import api_token_create, api_token_revoke


def _profile(request, form, new_key=None, status=200):
    tokens = request.user.api_tokens.all()
    return render(request, "accounts/profile.html", {"form": form, "tokens": tokens, "new_key": new_key}, status=status)


@never_cache
@login_required
def profile(request):
    return _profile(request, ApiTokenForm())


@never_cache
@login_required
@require_POST
def token_create(request):
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _profile(request, form, status=400)
    token, key = api_token_create(user=request.user, name=form.cleaned_data["name"])
    return _profile(request, ApiTokenForm(), new_key=(token, key), status=201)


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token, by=request.user)
    return redirect("profile")


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked username + address: the login page with the reason, 429."""
    form = AuthenticationForm(request, data=request.POST or None)
    form.errors.clear()
    form.add_error(None, _(
        "Too many failed login attempts. This account is locked for this address; "
        "try again later or ask an administrator to unlock it."
    ))
    return render(request, "registration/login.html", {"form": form, "next": request.POST.get("next", "")}, status=429)
