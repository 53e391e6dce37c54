from django.http import HttpResponseRedirect
from django.urls import include, path

from ... import conf
from .harness import dashboard, token

PREFIX = conf.url_prefix()  # hosts.install set it before any URL map loads

urlpatterns = [
    path("", lambda request: HttpResponseRedirect(PREFIX + "health")),
    # Stands in for the Saleor Dashboard around the app's pages (tests, demo).
    path("dashboard/", dashboard, name="dashboard-harness"),
    path("dashboard/token", token, name="dashboard-harness-token"),
    # By default the same prefix as inside Saleor, so clients work unchanged in both modes.
    path(PREFIX.lstrip("/"), include("saleor_ltv_plugin.urls")),
]
