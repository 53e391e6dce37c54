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
