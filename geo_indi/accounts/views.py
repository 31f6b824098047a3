from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
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
