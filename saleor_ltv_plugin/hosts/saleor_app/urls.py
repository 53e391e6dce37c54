from django.urls import include, path

from ... import conf
from . import register, views, webhooks

PREFIX = conf.url_prefix().lstrip("/")

urlpatterns = [
    path(PREFIX + "health", views.health, name="app-health"),
    path(PREFIX + "app/manifest", views.manifest, name="app-manifest"),
    path(PREFIX + "app/register", register.register, name="app-register"),
    path(PREFIX + "app/webhooks/<str:route>", webhooks.receive, name="app-webhook"),
    path(PREFIX, include("saleor_ltv_plugin.urls")),
]
