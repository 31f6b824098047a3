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
                                     related_name="+", help_text=_("Whose scope was grouped; empty: all (an administrator)"),
                                     verbose_name=_("organisation"))
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                                   verbose_name=_("started by"))
    started_at = models.DateTimeField(auto_now_add=True, verbose_name=_("started"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING, verbose_name=_("status"))
    step = models.PositiveIntegerField(default=0, verbose_name=_("step"))
    total_steps = models.PositiveIntegerField(default=3, verbose_name=_("steps in total"))
    observation_count = models.PositiveIntegerField(default=0, verbose_name=_("number of observations"))
    message = models.TextField(blank=True, verbose_name=_("message"))
    query = models.CharField(max_length=200, blank=True, verbose_name=_("search"),
                             help_text=_("Not empty: the group was made by a person from this search's results"))

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("grouping run")
        verbose_name_plural = _("grouping runs")

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

    run = models.ForeignKey(GroupingRun, on_delete=models.CASCADE, related_name="groups",
                            verbose_name=_("grouping run"))
    observations = models.ManyToManyField("observations.Observation", related_name="+",
                                          verbose_name=_("observations"))
    shared_words = models.JSONField(default=list, verbose_name=_("shared words"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, verbose_name=_("status"))
    phenomenon = models.ForeignKey("observations.Phenomenon", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("phenomenon"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided"))
    moved = models.JSONField(default=dict, blank=True, verbose_name=_("observations moved"))
    member_order = models.JSONField(default=list, blank=True, verbose_name=_("members, most typical first"),
                                    help_text=_("Observation ids, nearest the group's centre first"))

    class Meta:
        ordering = ["run", "id"]
        verbose_name = _("suggested group")
        verbose_name_plural = _("suggested groups")

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

    group = models.ForeignKey(SuggestedGroup, on_delete=models.CASCADE, related_name="decisions",
                              verbose_name=_("suggested group"))
    action = models.CharField(max_length=10, choices=Action.choices, verbose_name=_("decision"))
    phenomenon = models.ForeignKey("observations.Phenomenon", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("phenomenon"))
    phenomenon_name = models.CharField(max_length=120, blank=True, help_text=_("The phenomenon's name when decided"),
                                       verbose_name=_("name of the phenomenon"))
    created_phenomenon = models.BooleanField(default=False, verbose_name=_("created a new phenomenon"))
    moved = models.JSONField(default=dict, blank=True, verbose_name=_("records moved"))
    undoes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="undone_by",
                                  verbose_name=_("undoes"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                           verbose_name=_("decided by"))
    by_username = models.CharField(max_length=150, blank=True, verbose_name=_("username of the decider"))
    at = models.DateTimeField(verbose_name=_("decided"))

    class Meta:
        verbose_name = _("group decision")
        verbose_name_plural = _("group decisions")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.group_id} {self.get_action_display()} {self.by_username} {self.at:%Y-%m-%d %H:%M}"


class SituationSummary(models.Model):
    """A municipality's situation picture (*tilannekuva*) for one calendar year, in one language."""

    municipality = models.ForeignKey("areas.Municipality", on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("municipality"))
    year = models.PositiveSmallIntegerField(verbose_name=_("year"))
    language = models.CharField(max_length=2, choices=[("fi", "suomi"), ("sv", "svenska"), ("en", "English")],
                                verbose_name=_("language"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        ordering = ["municipality", "-year", "language"]
        constraints = [models.UniqueConstraint(fields=["municipality", "year", "language"],
                                               name="summary_one_per_municipality_year_language")]
        verbose_name = _("situation summary")
        verbose_name_plural = _("situation summaries")

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

    summary = models.ForeignKey(SituationSummary, on_delete=models.CASCADE, related_name="versions",
                                verbose_name=_("situation summary"))
    number = models.PositiveIntegerField(verbose_name=_("version number"))
    text = models.TextField(verbose_name=_("text"))
    figures = models.JSONField(default=dict, help_text=_("The figures the draft was written from"),
                               verbose_name=_("figures"))
    drafted = models.BooleanField(default=False, help_text=_("Written by the system from the figures"),
                                  verbose_name=_("drafted by the system"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("approved"))

    class Meta:
        ordering = ["summary", "-number"]
        constraints = [models.UniqueConstraint(fields=["summary", "number"], name="summary_version_unique_number")]
        verbose_name = _("version of a situation summary")
        verbose_name_plural = _("versions of situation summaries")

    def __str__(self):
        return f"{self.summary} v{self.number}"
