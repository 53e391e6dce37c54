"""A shop's settings kept in its own database (the external App's Settings page; shop_settings.py)."""

from django.db import models

# The one row of the document: each shop's schema holds its own.
DOCUMENT_ID = 1


class SettingsDocument(models.Model):
    """The shop's settings: the names conf.py validates (secrets included) → values, plus
    `channel_overrides` = {channel slug: {name: value}}. Only written through shop_settings.update."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=DOCUMENT_ID)
    values = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.CharField(max_length=254, blank=True, default="")

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=DOCUMENT_ID), name="ltv_settings_one_document")]


class SettingsChange(models.Model):
    """Who changed which settings when: names only (channel_overrides.<slug>.<name> for an override),
    never a value — secrets pass through here too."""

    changed_at = models.DateTimeField()
    changed_by = models.CharField(max_length=254)
    names = models.JSONField(default=list)

    class Meta:
        indexes = [models.Index(fields=["-changed_at"], name="ltv_settings_change_at")]
