"""Saved column mappings for order files no built-in format recognises (ERP exports, phone/FAX sheets)."""

from django.db import models


class ColumnMapping(models.Model):
    """Which column of a shop's own file holds which order field; chosen once, reused by name."""

    name = models.CharField(max_length=100, unique=True)
    columns = models.JSONField(default=dict, help_text="source column → order field (external_id, created_at …).")
    date_format = models.CharField(max_length=64, blank=True, default="",
                                   help_text="strptime format; empty: the Japanese and ISO forms are recognised.")
    encoding = models.CharField(max_length=16, default="auto", help_text="auto, utf-8 or cp932.")
    delimiter = models.CharField(max_length=8, default="auto", help_text="auto, comma or tab.")
    sales_source = models.CharField(max_length=32, default="other")
    currency = models.CharField(max_length=3, default="JPY", help_text="When the file has no currency column.")
    created_by = models.CharField(max_length=254, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.name


class ImportState(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Being imported"
    FINISHED = "finished", "Finished"
    REFUSED = "refused", "Refused (the file or its rows cannot be imported; nothing stored)"
    FAILED = "failed", "Failed (gave up after retries)"


class ImportJob(models.Model):
    """One uploaded order file, imported by a worker in committed chunks.

    ``orders_done`` advances in the same transaction as the chunk it counts, so a worker lost
    mid-file is resumed from there by the next (``attempts`` fences the lost one out)."""

    state = models.CharField(max_length=16, choices=ImportState.choices, default=ImportState.QUEUED)
    caller = models.CharField(max_length=254, blank=True, default="")
    file_name = models.CharField(max_length=255, blank=True, default="")
    file_bytes = models.BigIntegerField(default=0)
    file_sha256 = models.CharField(max_length=64, blank=True, default="")
    options = models.JSONField(default=dict, blank=True, help_text="format, mapping, channel, currency, partial.")
    format = models.CharField(max_length=32, blank=True, default="")
    encoding = models.CharField(max_length=16, blank=True, default="")
    delimiter = models.CharField(max_length=8, blank=True, default="")
    rows_read = models.IntegerField(default=0)
    orders_total = models.IntegerField(default=0, help_text="Orders that passed validation.")
    orders_done = models.IntegerField(default=0, help_text="Of those, stored so far (committed).")
    created = models.IntegerField(default=0)
    updated = models.IntegerField(default=0)
    unchanged = models.IntegerField(default=0)
    rows_refused = models.IntegerField(default=0)
    accounts_rescored = models.IntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="Refused rows: row, field, message, message_ja.")
    error = models.TextField(blank=True, default="", help_text="Why the job failed or was refused as a whole.")
    attempts = models.SmallIntegerField(default=0, help_text="Claims so far; the fencing token of the current one.")
    lease_until = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "lease_until"], name="ltv_import_job_state")]


class ImportFilePart(models.Model):
    """The uploaded bytes, kept in the database (every worker reads them, on any machine) until
    the job ends."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="parts")
    number = models.IntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="ltv_import_part_unique")]


class ImportJobAccount(models.Model):
    """An account a job's chunks changed: re-scored once when the whole file is in."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="touched")
    account_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "account_id"], name="ltv_import_touched_unique")]
