"""Flows: a shop's automations, each a draft and a series of published versions.

A running enrollment keeps the version it entered with (``Enrollment.flow_version``);
publishing an edit adds a version and new entries take it. The ready scenarios are
flows made from templates; a flow's ``key`` is what enrollments and outbox rows store
as their ``scenario`` (so the nine scenarios' keys, reports and idempotency keys stay).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .facts import Account


class FlowState(models.TextChoices):
    DRAFT = "draft", "Draft (never published)"
    LIVE = "live", "Live"
    PAUSED = "paused", "Paused (no new entries; waiting steps hold)"
    ARCHIVED = "archived", "Archived"


class FlowKind(models.TextChoices):
    FLOW = "flow", "Flow"
    BROADCAST = "broadcast", "Broadcast (one send to a segment)"


class Flow(models.Model):
    channel = models.CharField(max_length=128)
    key = models.SlugField(max_length=32, help_text="Stable name; enrollments and outbox rows store it.")
    kind = models.CharField(max_length=16, choices=FlowKind.choices, default=FlowKind.FLOW)
    name = models.CharField(max_length=200)
    description = models.CharField(max_length=1000, blank=True, default="")
    template_key = models.CharField(max_length=32, blank=True, default="", help_text="The template it started from.")
    state = models.CharField(max_length=16, choices=FlowState.choices, default=FlowState.DRAFT)
    draft = models.JSONField(default=dict, blank=True, help_text="The definition being edited (not yet published).")
    live_version = models.ForeignKey("FlowVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_by = models.CharField(max_length=254, blank=True, default="")
    updated_by = models.CharField(max_length=254, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "key"], name="ltv_flow_unique_key")]
        indexes = [models.Index(fields=["state", "channel"], name="ltv_flow_state")]


class FlowVersion(models.Model):
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField(help_text="A checked definition (automation/flows/definition.py).")
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.CharField(max_length=254, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["flow", "number"], name="ltv_flow_version_unique")]


class FlowAbWinner(models.Model):
    """The variant an A/B step's auto-winner chose: from then on its new entrants all get it.

    One row per flow and step, written once (the unique constraint makes a second decision a no-op);
    `figures` keeps what it was decided on: {"metric", "days_running", "variants": [{"key",
    "recipients", "successes", "probability_best"}]}."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="ab_winners")
    step_id = models.CharField(max_length=32)
    variant = models.CharField(max_length=32)
    decided_at = models.DateTimeField(default=timezone.now)
    figures = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["flow", "step_id"], name="ltv_flow_ab_winner_unique")]


class EnrollmentState(models.TextChoices):
    ACTIVE = "active", "Moving through the flow"
    DONE = "done", "Reached the end"
    EXITED = "exited", "Left by an exit condition or a stop"


class FlowStepRun(models.Model):
    """One enrollment passing one step (a step inside a loop is passed once per visit).

    The per-step and per-branch report counts these; ``branch`` is a split's yes/no or an
    A/B step's variant key."""

    enrollment = models.ForeignKey("Enrollment", on_delete=models.CASCADE, related_name="step_runs")
    step_id = models.CharField(max_length=32)
    visit = models.SmallIntegerField(default=0)
    branch = models.CharField(max_length=32, blank=True, default="")
    outcome = models.CharField(max_length=32, blank=True, default="done", help_text="done, or the exit reason.")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrollment", "step_id", "visit"], name="ltv_step_run_unique")]


class AccountTag(models.Model):
    """A shop's label on an account: set by a flow's update step, by staff or by an import."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(max_length=64)
    source = models.CharField(max_length=64, blank=True, default="", help_text="flow:<key>, staff, import …")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "tag"], name="ltv_account_tag_unique")]
        indexes = [models.Index(fields=["tag", "account"], name="ltv_account_tag_by_tag")]


class FlowSegmentMember(models.Model):
    """The accounts a segment-triggered flow saw in its segment at its last entry scan: the
    next scan's difference is who entered and who left (a saved segment is a filter, not a list)."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="segment_members")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, db_constraint=False, related_name="+")
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["flow", "account"], name="ltv_flow_segment_member_unique")]


DUE_STEPS = Q(state=EnrollmentState.ACTIVE, next_at__isnull=False)
