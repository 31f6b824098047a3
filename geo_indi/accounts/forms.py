from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ApiToken


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("What the token is for, e.g. “QGIS on my laptop”."),
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the token a name."))
        return name
