"""Per-channel analysis thresholds (thresholds.py): kept in the app's own table in every host, since
they are the shop's business decisions, not deployment settings."""

from django.db import models


class ChannelThresholds(models.Model):
    """The thresholds a channel sets (thresholds.FIELDS → value); a name absent is its default.
    Only written through thresholds.update, which validates the whole record first."""

    channel = models.CharField(max_length=128, unique=True)
    values = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.CharField(max_length=254, blank=True, default="")
