"""Start-up checks of the App host: what must be configured before a Saleor can install it."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from . import api_url, secrets_box


@checks.register(checks.Tags.security)
def app_host_configured(app_configs=None, **kwargs):
    if getattr(settings, "LTV_HOST", "") != "saleor_app":
        return []
    errors = []
    problem = secrets_box.check()
    if problem:
        errors.append(checks.Error(problem, hint=secrets_box.__doc__.strip().splitlines()[-1], id="saleor_ltv_app.E001"))
    public = getattr(settings, "PUBLIC_URL", "")
    if not public.startswith(("https://", "http://")):
        errors.append(checks.Error("PUBLIC_URL is not set: the manifest and every link need the deployment's address",
                                   id="saleor_ltv_app.E002"))
    if not getattr(settings, api_url.SETTING, ""):
        errors.append(checks.Warning(f"{api_url.SETTING} is not set: no Saleor can install the app",
                                     hint=r"e.g. https://[a-z0-9-]+\.saleor\.cloud/graphql/", id="saleor_ltv_app.W001"))
    return errors
