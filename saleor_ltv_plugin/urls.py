"""The plugin's own URL map, served under /plugins/global/saleor.ltv/ (and standalone)."""

from django.urls import path

from . import app_pages, views
from .api import api, openapi_view
from .automation import line_webhook
from .automation import views as mail_views
from .graphql.view import graphql_view

app_name = "saleor_ltv_plugin"

urlpatterns = [
    # Saleor passes the path after the plugin id, with its leading slash.
    path("health", views.health, name="health"),
    path("app/manifest", views.manifest, name="app-manifest"),
    path("app/register", views.app_register, name="app-register"),
    path("app/", app_pages.serve, name="app-page"),
    path("app/<path:path>", app_pages.serve, name="app-pages"),
    path("graphql/", graphql_view, name="graphql"),
    path("u/<str:token>", mail_views.unsubscribe, name="unsubscribe"),
    path("t/o/<str:token>.gif", mail_views.opened, name="track-open"),
    path("t/c/<str:token>", mail_views.clicked, name="track-click"),
    path("line/webhook", line_webhook.receive, name="line-webhook"),
    path("line/webhook/<str:channel>", line_webhook.receive, name="line-webhook-channel"),
    path("api/v1/openapi.json", openapi_view, name="openapi"),
    path("api/v1/", api.urls),
]
