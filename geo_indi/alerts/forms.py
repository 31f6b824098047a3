"""The alert rule form: one contract for the app's rule pages and the Django admin."""
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from geo_indi.areas.models import PostcodeArea
from geo_indi.observations.filters import Unit
from geo_indi.observations.models import Category, Phenomenon

from geo_indi.indicators.models import Indicator

from .models import AlertRule

RULE_FIELDS = ["name", "phenomenon", "category", "direction", "municipality", "postcode_area", "condition",
               "unit", "min_count", "window_days", "increase_percent", "indicator", "comparison", "threshold",
               "recipient_users", "recipient_emails", "is_active"]

RULE_LABELS = {
    "name": _("Name of the rule"),
    "phenomenon": _("Phenomenon"),
    "category": _("Category (optional)"),
    "direction": _("Direction (optional)"),
    "municipality": _("Municipality"),
    "postcode_area": _("Or one postcode area"),
    "condition": _("Condition"),
    "unit": _("What is counted"),
    "min_count": _("N: number of observations"),
    "window_days": _("D: period in days"),
    "increase_percent": _("P: increase in per cent"),
    "indicator": _("Linked indicator"),
    "comparison": _("Above or below"),
    "threshold": _("Threshold value"),
    "recipient_users": _("Recipients in your organisation"),
    "recipient_emails": _("Other e-mail addresses of the organisation (one per line)"),
    "is_active": _("Active"),
}

RULE_HELP = {
    "municipality": _("Choose a municipality or a postcode area, not both."),
    "postcode_area": "",
    "condition": _("“New hot spot” fires when a postcode area becomes a significant hot spot of the phenomenon "
                   "(outlined on the municipality map); hot spots rest on exact counts and only your organisation sees them."),
    "unit": _("Occurrences: the cases recorded (a record of 12 young people counts 12). Records: each record "
              "counts once."),
    "min_count": _("For “at least N observations in the last D days”."),
    "window_days": _("The last D days, today included."),
    "increase_percent": _("For “increase of at least P %”: the last D days compared with the D days before."),
    "threshold": _("For an indicator: the latest year's value is compared with this."),
    "recipient_users": _("Only people with an e-mail address receive the message; everyone in the organisation sees the alert in the app."),
    "recipient_emails": "",
}


RULE_GROUPS = [
    (_("What and where"), ["name", "phenomenon", "category", "direction", "municipality", "postcode_area"]),
    (_("Condition and limit"), ["condition", "unit", "min_count", "window_days", "increase_percent", "indicator", "comparison", "threshold"]),
    (_("Who receives it"), ["recipient_users", "recipient_emails", "is_active"]),
]


# Which limit fields each condition uses (the rest are hidden in the form; the model's clean() requires these).
CONDITION_FIELDS = {
    AlertRule.Condition.COUNT_AT_LEAST: ["unit", "min_count", "window_days"],
    AlertRule.Condition.INCREASE_PERCENT: ["unit", "increase_percent", "window_days"],
    AlertRule.Condition.INDICATOR_THRESHOLD: ["indicator", "comparison", "threshold"],
    AlertRule.Condition.NEW_HOT_SPOT: [],
}


def recipient_label(user):
    name = user.get_full_name() or user.username
    if user.email:
        return f"{name} ({user.email})"
    return _("%(name)s (no e-mail address)") % {"name": name}


def outsiders(users, organisation):
    """Usernames among `users` who are not members of `organisation` (recipients must be)."""
    return [u.username for u in users if not hasattr(u, "membership") or u.membership.organisation_id != organisation.pk]


class AlertRuleForm(forms.ModelForm):
    """Rule of one organisation: areas, recipients and phenomena limited to what it may use."""

    class Meta:
        model = AlertRule
        fields = RULE_FIELDS
        labels = RULE_LABELS
        help_texts = RULE_HELP
        widgets = {"recipient_users": forms.CheckboxSelectMultiple, "recipient_emails": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, organisation, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organisation = organisation
        municipalities = organisation.municipalities.all()
        self.fields["municipality"].queryset = municipalities.order_by("name_fi")
        self.fields["postcode_area"].queryset = (PostcodeArea.objects.filter(municipality__in=municipalities)
                                                 .order_by("postcode"))
        self.fields["phenomenon"].queryset = Phenomenon.objects.publishable_to(user)
        self.fields["category"].queryset = (Category.objects.filter(phenomenon__in=Phenomenon.objects.publishable_to(user))
                                            .select_related("phenomenon"))
        self.fields["category"].label_from_instance = lambda c: f"{c.phenomenon.name} / {c.name}"
        self.fields["indicator"].queryset = Indicator.objects.filter(phenomenon_links__isnull=False).distinct()
        self.fields["indicator"].label_from_instance = lambda i: f"{i.sotkanet_id} · {i.title}"
        self.fields["recipient_users"].queryset = (get_user_model().objects
                                                   .filter(membership__organisation=organisation, is_active=True)
                                                   .order_by("username"))
        self.fields["recipient_users"].label_from_instance = recipient_label
        # Not posted (a condition that counts nothing hides it, an older client): the rule keeps its unit,
        # a new one counts occurrences.
        self.fields["unit"].required = False

    def clean_unit(self):
        return self.cleaned_data.get("unit") or self.instance.unit or Unit.OCCURRENCES

    @property
    def changed_data(self):
        """A unit that was not posted did not change (who set the limit stays)."""
        return [name for name in super().changed_data if name != "unit" or self.data.get("unit")]

    def groups(self):
        return [(legend, [self[name] for name in names]) for legend, names in RULE_GROUPS]

    def condition_fields(self):
        return {str(condition): names for condition, names in CONDITION_FIELDS.items()}


class AdminAlertRuleForm(forms.ModelForm):
    class Meta:
        model = AlertRule
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        organisation, users = cleaned.get("organisation"), cleaned.get("recipient_users")
        if organisation and users:
            names = outsiders(users, organisation)
            if names:
                self.add_error("recipient_users", _("Not members of the organisation: %(names)s") % {"names": ", ".join(names)})
        return cleaned
