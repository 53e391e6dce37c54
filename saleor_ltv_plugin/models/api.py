"""Tables the APIs own: integration keys and saved segments."""

from django.db import models


class ApiKey(models.Model):
    """A server-to-server key: only its SHA-256 is stored, the raw key is shown once."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise a key in lists.")
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_by = models.CharField(max_length=254, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)


class SavedSegment(models.Model):
    """A named filter over the account list; scenarios can use it as a trigger."""

    name = models.CharField(max_length=100)
    channel = models.CharField(max_length=128)
    filter = models.JSONField(default=dict, help_text="An ltvAccounts filter, validated on save.")
    description = models.CharField(max_length=500, blank=True, default="")
    created_by = models.CharField(max_length=254, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "name"], name="ltv_segment_unique_name")]


class SavedSegmentCount(models.Model):
    """How many accounts a saved segment held on a day (written by each recompute)."""

    segment = models.ForeignKey(SavedSegment, on_delete=models.CASCADE, related_name="counts")
    day = models.DateField()
    accounts = models.IntegerField()
    revenue = models.DecimalField(max_digits=24, decimal_places=3)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["segment", "day"], name="ltv_segment_count_unique")]


class ChannelInsight(models.Model):
    """Shop-level analyses a recompute stores for the APIs: revenue by month, product paths."""

    channel = models.CharField(max_length=128)
    kind = models.CharField(max_length=32, help_text="revenue_by_month, product_repeat, transitions, dropoff")
    data = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "kind"], name="ltv_insight_unique")]


class TaskHeartbeat(models.Model):
    """When a periodic task last ran in a worker: the setup checklist's proof that the Celery
    worker and beat are alive (each process may have its own cache, so it lives here)."""

    task = models.CharField(max_length=100, primary_key=True)
    beat_at = models.DateTimeField()


class CsvImportStatus(models.TextChoices):
    RUNNING = "running", "Running (or killed before it ended)"
    FINISHED = "finished", "Finished"
    FAILED = "failed", "Failed"


class CsvImport(models.Model):
    """One CSV upload, written before its orders are: a row left `running` with no finish time
    is an import that was killed."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=CsvImportStatus.choices, default=CsvImportStatus.RUNNING)
    caller = models.CharField(max_length=254, blank=True, default="", help_text="The API key's name, or who.")
    file_name = models.CharField(max_length=255, blank=True, default="")
    file_bytes = models.BigIntegerField(default=0)
    rows_read = models.IntegerField(default=0)
    orders_written = models.IntegerField(default=0)
    rows_rejected = models.IntegerField(default=0)
    error = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["status", "started_at"], name="ltv_csv_import_status")]
