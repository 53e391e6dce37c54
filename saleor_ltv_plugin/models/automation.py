"""Automation tables: scenario settings, enrollments, the outbox, and staff alerts.

Every side effect toward a person is one OutboxMessage with a unique
idempotency key; the scan that creates them may run twice (two beats, a retried
task) and still creates each message once.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .facts import Account, Contact


class ScenarioSetting(models.Model):
    """A shop's changes to one ready scenario in one channel (defaults live in the catalog)."""

    channel = models.CharField(max_length=128)
    scenario = models.CharField(max_length=32)
    enabled = models.BooleanField(default=False)
    params = models.JSONField(default=dict, blank=True, help_text="Only the values that differ from the defaults.")
    updated_by = models.CharField(max_length=254, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "scenario"], name="ltv_scenario_setting_unique")
        ]


class Enrollment(models.Model):
    """An account (and, for buyer mail, a contact) entering a scenario once per trigger.

    Holdout enrollments get no messages; they are the control group for incremental revenue.
    """

    scenario = models.CharField(max_length=32)
    channel = models.CharField(max_length=128)
    trigger_ref = models.CharField(max_length=200, help_text="What started it: checkout token, last order date …")
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE)
    anchor_at = models.DateTimeField(help_text="Step delays count from here.")
    holdout = models.BooleanField(default=False)
    context = models.JSONField(default=dict, blank=True, help_text="Trigger data the messages show.")
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=32, blank=True, default="")
    # A flow's enrollment moves step by step: `position` runs at `next_at`.
    flow = models.ForeignKey("Flow", null=True, blank=True, on_delete=models.CASCADE, related_name="enrollments")
    flow_version = models.ForeignKey("FlowVersion", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="enrollments")
    state = models.CharField(max_length=16, default="active", help_text="active, done or exited (EnrollmentState).")
    position = models.CharField(max_length=32, blank=True, default="", help_text="The step it is at.")
    next_at = models.DateTimeField(null=True, blank=True, help_text="When the step at `position` runs.")
    variants = models.JSONField(default=dict, blank=True, help_text="A/B step id → the variant it got.")
    # The scan's clock, not the insert's: reports measure windows from it.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scenario", "channel", "trigger_ref"], name="ltv_enrollment_unique")
        ]
        indexes = [models.Index(fields=["account", "created_at"], name="ltv_enrollment_account"),
                   models.Index(fields=["next_at", "id"], condition=Q(state="active", next_at__isnull=False),
                                name="ltv_enrollment_due")]


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Claimed by a worker"
    # Handed to the receiver (the final dot is on its way), no acceptance yet: not sent.
    COMMITTING = "committing", "Handed over, waiting for the server's acceptance"
    SENT = "sent", "Sent (the server accepted it)"
    # Taken by a channel that finishes outside the plugin (a postal DM's print job): sent once
    # staff confirm it (the job was posted), never resent by the sweeper.
    AWAITING = "awaiting", "Handed to staff, sent once they confirm it"
    SKIPPED = "skipped", "Skipped at send time"
    FAILED = "failed", "Failed, will retry"
    DEAD = "dead", "Gave up"


class DeliveryKind(models.TextChoices):
    """How a message reaches its recipient: one delivery channel each (automation/channels/).

    Named "delivery kind", not "channel", because a channel here is a Saleor sales channel.
    The values are what ``OutboxMessage.kind`` stores; a channel added through the
    ``saleor_ltv_plugin.channels`` entry point stores its own kind next to these.
    """

    EMAIL = "email", "E-mail to the buyer"
    STAFF_EMAIL = "staff_email", "E-mail to staff"
    STAFF_WEBHOOK = "staff_webhook", "Webhook to staff (Slack, Teams …)"
    CALL_TASK = "call_task", "Call task on the staff call list"
    STAFF_ALERT = "staff_alert", "Alert in the staff inbox"
    LINE = "line", "LINE message to the buyer"
    POSTAL_DM = "postal_dm", "Postal DM (a letter in a print job)"
    SMS = "sms", "SMS to the buyer"


class OutboxMessage(models.Model):
    idempotency_key = models.CharField(max_length=255, unique=True)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="messages")
    scenario = models.CharField(max_length=32)
    channel = models.CharField(max_length=128)
    step = models.SmallIntegerField()
    step_id = models.CharField(max_length=32, blank=True, default="", help_text="The flow step that made it.")
    variant = models.CharField(max_length=32, blank=True, default="", help_text="Its A/B variant, if any.")
    kind = models.CharField(max_length=16, choices=DeliveryKind.choices)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE)
    to_address = models.CharField(max_length=500, blank=True, default="")
    due_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.SmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.CharField(max_length=32, blank=True, default="")
    last_error = models.TextField(blank=True, default="")
    subject = models.CharField(max_length=500, blank=True, default="")
    # What the provider said about it (SMS): its id for the message, what it bills, what became of it.
    provider_ref = models.CharField(max_length=64, blank=True, default="", db_default="",
                                    help_text="The provider's id for the accepted message (Twilio's SM… sid).")
    segments = models.PositiveSmallIntegerField(null=True, blank=True, help_text="SMS segments it went out as.")
    delivery_status = models.CharField(max_length=16, blank=True, default="", db_default="",
                                       help_text="The provider's delivery report: sent, delivered, undelivered …")
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["due_at", "id"], condition=Q(status__in=["pending", "failed"]),
                         name="ltv_outbox_due"),
            models.Index(fields=["lease_until"], condition=Q(status__in=["sending", "committing"]),
                         name="ltv_outbox_leased"),
            models.Index(fields=["contact", "sent_at"], condition=Q(status="sent"), name="ltv_outbox_contact_sent"),
            models.Index(fields=["scenario", "channel", "sent_at"], name="ltv_outbox_report"),
        ]


class AlertKind(models.TextChoices):
    CHURN_RISK = "churn_risk", "Churn risk"
    HIGH_INTENT = "high_intent", "High purchase intent"
    CALL = "call", "Call task"


class AlertState(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    CLOSED = "closed", "Closed"


class Alert(models.Model):
    """Something staff should act on; one per triggering situation (the outbox row that raised it)."""

    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    channel = models.CharField(max_length=128)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="alerts")
    source_key = models.CharField(max_length=255, unique=True, help_text="The outbox message that raised it.")
    state = models.CharField(max_length=16, choices=AlertState.choices, default=AlertState.OPEN)
    reason = models.CharField(max_length=500, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    priority = models.SmallIntegerField(default=3, help_text="1 (top account) … 5.")
    assignee = models.CharField(max_length=254, blank=True, default="")
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["channel", "state", "kind", "-created_at"], name="ltv_alert_inbox")]


class CallOutcomeKind(models.TextChoices):
    REACHED = "reached", "Reached"
    NO_ANSWER = "no_answer", "No answer"
    CALLBACK = "callback", "Call back on a date"
    LOST = "lost", "Lost"
    ORDERED = "ordered", "Ordered"


class CallOutcome(models.Model):
    """What came of one call on a call task, recorded by staff; the latest one of an enrollment is what
    its flow's call-outcome split reads."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="call_outcomes")
    enrollment = models.ForeignKey(Enrollment, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="call_outcomes", help_text="The flow enrollment that asked for the call.")
    outcome = models.CharField(max_length=16, choices=CallOutcomeKind.choices)
    callback_on = models.DateField(null=True, blank=True, help_text="outcome callback: the day to call again.")
    note = models.TextField(blank=True, default="")
    recorded_by = models.CharField(max_length=254)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["enrollment", "-recorded_at"], name="ltv_call_outcome_enrollment"),
                   models.Index(fields=["alert", "-recorded_at"], name="ltv_call_outcome_alert")]
