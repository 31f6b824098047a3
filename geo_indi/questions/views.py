from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from geo_indi.accounts import roles

from . import access, services
from .forms import AskForm
from .models import Answer, Question


@login_required
def index(request):
    """The asking organisation's questions with their answers; a coordinator asks a new one here."""
    if not access.may_ask(request.user):
        raise PermissionDenied(_("Only coordinators and administrators ask questions."))
    form = AskForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            question = services.question_ask(asked_by=request.user, **form.service_arguments())
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            return redirect(f"{request.path}?phenomenon={question.phenomenon_id}#question-{question.pk}")
    questions = Question.objects.all() if roles.is_administrator(request.user) else \
        Question.objects.of_organisation(roles.organisation_of(request.user))
    phenomenon = request.GET.get("phenomenon", "")
    if phenomenon.isdigit():
        questions = questions.filter(phenomenon_id=int(phenomenon))
    questions = questions.select_related("phenomenon", "municipality").prefetch_related(
        "postcode_areas", Prefetch("answers", Answer.objects.select_related("organisation")))
    return render(request, "questions/index.html", {"form": form, "questions": questions})
