from django.http import HttpResponseRedirect
from django.urls import include, path

from .harness import dashboard, token

urlpatterns = [
    path("", lambda request: HttpResponseRedirect("/plugins/global/saleor.ltv/health")),
    # Stands in for the Saleor Dashboard around the app's pages (tests, demo).
    path("dashboard/", dashboard, name="dashboard-harness"),
    path("dashboard/token", token, name="dashboard-harness-token"),
    # The same prefix as inside Saleor, so clients work unchanged in both modes.
    path("plugins/global/saleor.ltv/", include("saleor_ltv_plugin.urls")),
]
