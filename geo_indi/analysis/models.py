"""Grouping runs and their suggested groups; situation summaries and their versions."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class GroupingRun(models.Model):
    """One grouping of an organisation's visible descriptions, run in the background; the page polls it."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="+", help_text="Whose scope was grouped; empty: all (an administrator)")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    step = models.PositiveIntegerField(default=0)
    total_steps = models.PositiveIntegerField(default=3)
    observation_count = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.organisation} {self.started_at:%Y-%m-%d %H:%M} {self.get_status_display()}"

    @property
    def percent(self):
        return round(100 * self.step / self.total_steps) if self.total_steps else 0


class SuggestedGroup(models.Model):
    """Observations whose descriptions mean similar things; a person confirms, merges or dismisses.

    The decision is the audit trail: who, when, what (`moved`: observation id -> its phenomenon id before).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONFIRMED = "confirmed", _("Confirmed as a new phenomenon")
        MERGED = "merged", _("Merged into a phenomenon")
        DISMISSED = "dismissed", _("Dismissed")

    run = models.ForeignKey(GroupingRun, on_delete=models.CASCADE, related_name="groups")
    observations = models.ManyToManyField("observations.Observation", related_name="+")
    shared_words = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    phenomenon = models.ForeignKey("observations.Phenomenon", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    moved = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["run", "id"]

    def __str__(self):
        return ", ".join(self.shared_words[:3]) or f"group {self.pk}"


class GroupDecision(models.Model):
    """The audit trail of decisions on suggested groups, append-only: a decision, and its undo as a row of its own
    that names the decision it undoes. `moved`: observation id -> [phenomenon id, category id] before the move."""

    class Action(models.TextChoices):
        CONFIRM = "confirm", _("Confirmed as a new phenomenon")
        MERGE = "merge", _("Merged into a phenomenon")
        DISMISS = "dismiss", _("Dismissed")
        UNDO = "undo", _("Undone")

    group = models.ForeignKey(SuggestedGroup, on_delete=models.CASCADE, related_name="decisions")
    action = models.CharField(max_length=10, choices=Action.choices)
    phenomenon = models.ForeignKey("observations.Phenomenon", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    phenomenon_name = models.CharField(max_length=120, blank=True, help_text="The phenomenon's name when decided")
    created_phenomenon = models.BooleanField(default=False)
    moved = models.JSONField(default=dict, blank=True)
    undoes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="undone_by")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    by_username = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.group_id} {self.get_action_display()} {self.by_username} {self.at:%Y-%m-%d %H:%M}"


class SituationSummary(models.Model):
    """A municipality's situation picture (*tilannekuva*) for one calendar year, in one language."""

    municipality = models.ForeignKey("areas.Municipality", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    language = models.CharField(max_length=2, choices=[("fi", "suomi"), ("sv", "svenska"), ("en", "English")])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["municipality", "-year", "language"]
        constraints = [models.UniqueConstraint(fields=["municipality", "year", "language"],
                                               name="summary_one_per_municipality_year_language")]

    def __str__(self):
        return f"{self.municipality} {self.year} {self.language}"

    @property
    def approved_version(self):
        return self.versions.filter(approved_at__isnull=False).order_by("-number").first()

    @property
    def latest_version(self):
        return self.versions.order_by("-number").first()


class SummaryVersion(models.Model):
    """One text of a summary: the draft from the figures, or a person's edit. Never changed after approval."""

    summary = models.ForeignKey(SituationSummary, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    figures = models.JSONField(default=dict, help_text="The figures the draft was written from")
    drafted = models.BooleanField(default=False, help_text="Written by the system from the figures")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["summary", "-number"]
        constraints = [models.UniqueConstraint(fields=["summary", "number"], name="summary_version_unique_number")]

    def __str__(self):
        return f"{self.summary} v{self.number}"
