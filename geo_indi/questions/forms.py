"""The coordinator's form for asking local actors (/questions/): only the asker's own municipalities,
their postcode areas grouped by municipality, options only for a choice question."""
from django import forms
from django.utils.translation import gettext_lazy as _

from geo_indi.accounts import roles
from geo_indi.accounts.models import Membership, Organisation
from geo_indi.areas.models import Municipality, PostcodeArea
from geo_indi.core.widgets import IsoDateInput
from geo_indi.observations.models import Phenomenon

from .models import ASKABLE_KINDS, QUESTION_MAX_LENGTH, Kind, default_closing_date


def askable_municipalities(user):
    """Municipalities the user may ask about: their organisation's; every one for an administrator."""
    municipalities = Municipality.objects.order_by("name_fi")
    if roles.is_administrator(user):
        return municipalities
    return municipalities.filter(pk__in=roles.municipality_ids_of(user))


def postcode_area_choices(municipalities) -> list[tuple[str, list[tuple[int, str]]]]:
    """[(municipality name, [(area id, "99100 Name"), ...]), ...]: by municipality name, then postcode."""
    groups: dict[int, tuple[str, list]] = {m.pk: (m.name_fi, []) for m in municipalities}
    areas = (PostcodeArea.objects.filter(municipality__in=municipalities)
             .order_by("municipality__name_fi", "postcode").values_list("pk", "postcode", "name_fi", "municipality_id"))
    for pk, postcode, name, municipality_id in areas:
        groups[municipality_id][1].append((pk, f"{postcode} {name}".strip()))
    return [group for group in groups.values() if group[1]]


class GroupedAreasWidget(forms.CheckboxSelectMultiple):
    """Checkboxes in one fieldset per municipality (templates/questions/_postcode_areas.html)."""

    template_name = "questions/widgets/grouped_areas.html"
    group_ids: dict[str, int] = {}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["groups"] = [
            {"label": label, "municipality": self.group_ids.get(label, ""), "options": options}
            for label, options, _index in context["widget"]["optgroups"]]
        return context


class AskForm(forms.Form):
    phenomenon = forms.ModelChoiceField(label=_("Phenomenon"), queryset=Phenomenon.objects.filter(is_active=True))
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=Municipality.objects.none())
    postcode_areas = forms.TypedMultipleChoiceField(
        label=_("Postcode areas (none: the whole municipality)"), required=False, coerce=int,
        widget=GroupedAreasWidget,
        help_text=_("Only the areas of the chosen municipality count; leave all unticked to ask about the whole municipality."))
    text = forms.CharField(label=_("Question"), max_length=QUESTION_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
    kind = forms.ChoiceField(label=_("Answered with"), choices=ASKABLE_KINDS)
    options = forms.CharField(label=_("Options of a choice, one per line"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Only for a question answered with a choice: 1 to 10 options."))
    target_organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations asked"), required=False, queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple)
    target_roles = forms.MultipleChoiceField(
        label=_("Roles asked in every organisation working in the municipality"), required=False,
        choices=[r for r in Membership.Role.choices if r[0] != Membership.Role.RESEARCHER],  # researchers are not asked
        widget=forms.CheckboxSelectMultiple)
    closes_on = forms.DateField(label=_("Closes on"), widget=IsoDateInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        municipalities = askable_municipalities(user)
        self.fields["municipality"].queryset = municipalities
        if len(municipalities) == 1:
            self.fields["municipality"].initial = municipalities[0].pk
        self.fields["postcode_areas"].choices = postcode_area_choices(municipalities)
        self.fields["postcode_areas"].widget.group_ids = {m.name_fi: m.pk for m in municipalities}
        self.fields["target_organisations"].queryset = (
            Organisation.objects.filter(municipalities__in=municipalities).distinct().order_by("name"))
        self.fields["closes_on"].initial = default_closing_date()

    GROUPS = [
        (_("What and where"), ["phenomenon", "municipality", "postcode_areas"]),
        (_("The question"), ["text", "kind", "options", "closes_on"]),
        (_("Who is asked"), ["target_organisations", "target_roles"]),
    ]

    @property
    def groups(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]

    def clean(self):
        data = super().clean()
        if data.get("kind") != Kind.CHOICE:
            data["options"] = ""  # typed, then another kind chosen: the hidden box does not count
        return data

    def service_arguments(self):
        data = dict(self.cleaned_data)
        data["options"] = data["options"].splitlines()
        data["postcode_areas"] = list(PostcodeArea.objects.filter(pk__in=data["postcode_areas"]))
        return data
