from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        WELLBEING_COUNTY = "wellbeing_county", _("Wellbeing services county")
        NGO = "ngo", _("NGO")
        PARISH = "parish", _("Parish")
        COMPANY = "company", _("Company")
        AUTHORITY = "authority", _("Authority")
        UNIVERSITY = "university", _("University or research institute")

    name = models.CharField(max_length=200, unique=True, verbose_name=_("name"))
    kind = models.CharField(max_length=30, choices=Kind.choices, verbose_name=_("kind"))
    municipalities = models.ManyToManyField(
        "areas.Municipality", related_name="organisations", blank=True,
        help_text=_("Municipalities the organisation works in"), verbose_name=_("municipalities"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A user's organisation and role. A user belongs to one organisation."""

    class Role(models.TextChoices):
        FIELD_WORKER = "field_worker", _("Field worker")
        COORDINATOR = "coordinator", _("Coordinator")
        ADMINISTRATOR = "administrator", _("Administrator")
        RESEARCHER = "researcher", _("Researcher")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership",
                                verbose_name=_("user"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships",
                                     verbose_name=_("organisation"))
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.FIELD_WORKER, verbose_name=_("role"))

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"


def token_expiry():
    """When a token made now expires (API_TOKEN_LIFETIME_DAYS)."""
    return timezone.now() + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)


class ApiToken(models.Model):
    """A named API key of a user. Only a SHA-256 hash of the key is stored; the key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(max_length=8, help_text=_("First characters of the key, to tell keys apart"),
                                  verbose_name=_("key prefix"))
    key_hash = models.CharField(max_length=64, unique=True, verbose_name=_("key hash"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), default=token_expiry)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.user} · {self.name} ({self.key_prefix}…)"
