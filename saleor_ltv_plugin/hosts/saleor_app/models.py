"""Installations: one row per Saleor (keyed by its API URL) that installed the app. Public schema."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from . import secrets_box


class InstallationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(removed_at__isnull=True)


class Installation(models.Model):
    saleor_api_url = models.URLField(max_length=500, unique=True)  # normalised (api_url.normalise)
    domain = models.CharField(max_length=255, blank=True)
    app_id = models.CharField(max_length=100)  # Saleor's global App id ("QXBwOjE=")
    token_sealed = models.TextField(blank=True)  # "" once Saleor uninstalled us (APP_DELETED)
    jwks = models.JSONField(default=dict)
    jwks_fetched_at = models.DateTimeField(null=True)
    schema = models.CharField(max_length=63, unique=True)  # tenancy: the shop's own tables
    saleor_version = models.CharField(max_length=40, blank=True)
    installed_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    removed_at = models.DateTimeField(null=True)

    objects = InstallationQuerySet.as_manager()

    class Meta:
        app_label = "ltv_saleor_app"

    def __str__(self):
        return f"{self.saleor_api_url} ({self.schema})"

    @property
    def token(self) -> str:
        return secrets_box.open_(self.token_sealed) if self.token_sealed else ""

    @token.setter
    def token(self, plain: str) -> None:
        self.token_sealed = secrets_box.seal(plain) if plain else ""
