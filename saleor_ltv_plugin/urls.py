"""The app's URL map, mounted at conf.url_prefix() (inside Saleor, /plugins/global/saleor.ltv/)."""

from django.urls import path

from . import app_pages, views
from .api import api, openapi_view
from .automation import line_webhook, sms_webhook
from .automation import views as mail_views
from .graphql.view import graphql_view
from .hosts.saleor import views as saleor_views

app_name = "saleor_ltv_plugin"

urlpatterns = [
    path("health", views.health, name="health"),
    path("app/manifest", saleor_views.manifest, name="app-manifest"),
    path("app/register", saleor_views.app_register, name="app-register"),
    path("app/", app_pages.serve, name="app-page"),
    path("app/<path:path>", app_pages.serve, name="app-pages"),
    path("graphql/", graphql_view, name="graphql"),
    path("u/<str:token>", mail_views.unsubscribe, name="unsubscribe"),
    path("t/o/<str:token>.gif", mail_views.opened, name="track-open"),
    path("t/c/<str:token>", mail_views.clicked, name="track-click"),
    path("t/s/<str:code>.<str:mac>", mail_views.short_clicked, name="track-short-click"),
    path("line/webhook", line_webhook.receive, name="line-webhook"),
    path("line/webhook/<str:channel>", line_webhook.receive, name="line-webhook-channel"),
    path("sms/twilio/status/<str:channel>", sms_webhook.status, name="sms-twilio-status"),
    path("sms/twilio/inbound", sms_webhook.inbound, name="sms-twilio-inbound"),
    path("sms/twilio/inbound/<str:channel>", sms_webhook.inbound, name="sms-twilio-inbound-channel"),
    path("api/v1/openapi.json", openapi_view, name="openapi"),
    path("api/v1/", api.urls),
]
