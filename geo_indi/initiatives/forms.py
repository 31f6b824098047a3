"""The coordinator's initiative form (/initiatives/new/, /initiatives/<id>/edit/).

The form gives the fields their shape (lengths from the model's constants, as the API serializer does); every
rule between fields (at least one phenomenon and organisation, organisations working in the municipality, areas
inside it, a review schedule) is the service's `_validate`, whose messages the view puts on the fields.
"""
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from geo_indi.accounts.models import Organisation
from geo_indi.areas.models import Municipality, PostcodeArea
from geo_indi.core.widgets import IsoDateInput
from geo_indi.indicators.models import Indicator, PhenomenonIndicatorLink
from geo_indi.observations.models import Phenomenon
from geo_indi.questions.forms import GroupedAreasWidget, askable_municipalities, postcode_area_choices

from .models import GOAL_MAX_LENGTH, TITLE_MAX_LENGTH, Initiative, ReviewInterval


class OrganisationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


class IndicatorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Indicator) -> str:
        return f"{obj.title} ({obj.sotkanet_id})"


class InitiativeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    goal = forms.CharField(label=_("Goal"), max_length=GOAL_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=Municipality.objects.none())
    phenomena = forms.ModelMultipleChoiceField(
        label=_("Phenomena"), required=False, widget=forms.CheckboxSelectMultiple,
        queryset=Phenomenon.objects.filter(is_active=True).order_by("name_fi"))
    postcode_areas = forms.TypedMultipleChoiceField(
        label=_("Postcode areas (none: the whole municipality)"), required=False, coerce=int,
        widget=GroupedAreasWidget)
    responsible_organisations = OrganisationChoiceField(
        label=_("Organisations involved"), required=False, queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They are asked for feedback on the review dates; their field workers answer in the field app."))
    starts_on = forms.DateField(label=_("Starts on"), widget=IsoDateInput)
    review_interval_months = forms.TypedChoiceField(
        label=_("Feedback asked"), coerce=int, empty_value=None, required=False,
        choices=[("", _("Only on review dates already set")), *ReviewInterval.choices])
    indicators = IndicatorChoiceField(
        label=_("Indicators to follow"), required=False, widget=forms.CheckboxSelectMultiple,
        queryset=Indicator.objects.order_by("title_fi"))

    GROUPS = [
        (_("The initiative"), ["title", "goal", "phenomena"]),
        (_("Where"), ["municipality", "postcode_areas"]),
        (_("Who and when"), ["responsible_organisations", "starts_on", "review_interval_months"]),
        (_("Follow-up"), ["indicators"]),
    ]

    def __init__(self, *args: Any, user: Any, initiative: Initiative | None = None, phenomenon: Any = None,
                 municipality: Any = None, **kwargs: Any) -> None:
        if initiative is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": initiative.title, "goal": initiative.goal, "starts_on": initiative.starts_on,
                "municipality": initiative.municipalities.first(),
                "phenomena": list(initiative.phenomena.all()),
                "postcode_areas": [a.pk for a in initiative.postcode_areas.all()],
                "responsible_organisations": list(initiative.responsible_organisations.all()),
                "review_interval_months": initiative.review_interval_months,
                "indicators": list(initiative.indicators.all())}
        super().__init__(*args, **kwargs)
        municipalities = askable_municipalities(user)
        self.fields["municipality"].queryset = municipalities
        self.fields["postcode_areas"].choices = postcode_area_choices(municipalities)
        self.fields["postcode_areas"].widget.group_ids = {m.name_fi: m.pk for m in municipalities}
        self.fields["responsible_organisations"].queryset = (
            Organisation.objects.filter(municipalities__in=municipalities).distinct().order_by("name"))
        if initiative is None:
            if municipality is not None:
                self.fields["municipality"].initial = municipality.pk
            elif len(municipalities) == 1:
                self.fields["municipality"].initial = municipalities[0].pk
            self.fields["review_interval_months"].initial = ReviewInterval.QUARTERLY
            if phenomenon is not None:
                self.fields["phenomena"].initial = [phenomenon.pk]
                self.fields["indicators"].initial = list(PhenomenonIndicatorLink.objects.filter(
                    phenomenon=phenomenon).values_list("indicator_id", flat=True))

    @property
    def groups(self) -> list:
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        municipality = data.pop("municipality")
        data["municipalities"] = [municipality]
        data["phenomena"] = list(data["phenomena"])
        data["responsible_organisations"] = list(data["responsible_organisations"])
        data["indicators"] = list(data["indicators"])
        data["postcode_areas"] = list(PostcodeArea.objects.filter(pk__in=data["postcode_areas"]))
        return data

    def add_service_errors(self, message_dict: dict) -> None:
        """The service's {field: [messages]} on the form's fields (municipalities: the one municipality box)."""
        for name, messages in message_dict.items():
            target = "municipality" if name == "municipalities" else name
            for message in messages:
                self.add_error(target if target in self.fields else None, message)
