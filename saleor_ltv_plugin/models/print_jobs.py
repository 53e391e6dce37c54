"""Postal DM print jobs: the letters one DM step batched, for staff to print (or hand to a
mailing house) and post. A job's letters count as sent from the day staff say it was posted."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .automation import OutboxMessage
from .facts import Account, Contact


class PrintJobState(models.TextChoices):
    OPEN = "open", "Collecting letters"
    CLOSED = "closed", "Closed: its list is fixed, ready to print"
    POSTED = "posted", "Posted (its letters count as sent)"
    CANCELLED = "cancelled", "Cancelled (not posted)"


class PrintJob(models.Model):
    """One DM step's letters of one channel: open while it collects, then closed, then posted."""

    channel = models.CharField(max_length=128)
    scenario = models.CharField(max_length=32, help_text="The flow's key.")
    step_id = models.CharField(max_length=32, help_text="The flow's DM step.")
    state = models.CharField(max_length=16, choices=PrintJobState.choices, default=PrintJobState.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=254, blank=True, default="")
    posted_at = models.DateTimeField(null=True, blank=True, help_text="When staff say it was posted.")
    posted_by = models.CharField(max_length=254, blank=True, default="")
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "scenario", "step_id"], condition=Q(state="open"),
                                               name="ltv_print_job_one_open")]
        indexes = [models.Index(fields=["channel", "-created_at"], name="ltv_print_job_list")]


class PrintJobItem(models.Model):
    """One letter: the address and merge values as they were when it was batched (what is printed)."""

    job = models.ForeignKey(PrintJob, on_delete=models.CASCADE, related_name="items")
    # The outbox row it came from: a resent row finds its letter again (never two).
    message = models.OneToOneField(OutboxMessage, on_delete=models.CASCADE, related_name="print_item")
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE)  # erasure deletes the contact, and this
    language = models.CharField(max_length=8, default="ja")
    address = models.JSONField(help_text="postal_code, prefecture, city, line1, line2, company, department, person.")
    letter = models.JSONField(help_text="The letter filled in: title, lines, and the merge values the CSV carries.")
    created_at = models.DateTimeField(default=timezone.now)
