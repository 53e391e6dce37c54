from django.http import HttpResponseRedirect
from django.urls import include, path

from ... import conf
from .harness import dashboard, session_token, token
from .login import login_view, logout_view

PREFIX = conf.url_prefix()  # hosts.install set it before any URL map loads

urlpatterns = [
    path("", lambda request: HttpResponseRedirect("/dashboard/")),
    path("login/", login_view, name="staff-login"),
    path("logout/", logout_view, name="staff-logout"),
    # Stands in for the Saleor Dashboard around the app's pages (tests, demo).
    path("dashboard/", dashboard, name="dashboard-harness"),
    path("dashboard/token", token, name="dashboard-harness-token"),
    path("dashboard/session-token", session_token, name="dashboard-session-token"),
    # By default the same prefix as inside Saleor, so clients work unchanged in both modes.
    path(PREFIX.lstrip("/"), include("saleor_ltv_plugin.urls")),
]
