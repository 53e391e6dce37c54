"""Install the Dashboard app into this Saleor in-process (`ltv_install_app`, for scripted installs)."""

from __future__ import annotations

from ... import conf
from ..saleor import manifest


def install_dashboard_app(origin: str) -> tuple[bool, str]:
    """Install the Dashboard app from this Saleor's own manifest URL, through Saleor's own
    install task (fetch, validate, create the app and its extensions, post the token)."""
    from saleor.app.models import AppInstallation
    from saleor.app.tasks import install_app_task
    from saleor.core.db.connection import allow_writer
    from saleor.permission.enums import get_permissions_from_names

    manifest_url = origin.rstrip("/") + conf.url_prefix() + "app/manifest"
    with allow_writer():
        installation = AppInstallation.objects.create(app_name=manifest.APP_NAME, manifest_url=manifest_url)
        installation.permissions.set(get_permissions_from_names(manifest.PERMISSIONS))
        install_app_task(installation.pk, activate=True)
        left = AppInstallation.objects.filter(pk=installation.pk).first()  # deleted on success
    return (True, f"installed from {manifest_url}") if left is None else (False, left.message or "failed")
