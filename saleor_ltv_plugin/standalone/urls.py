from django.http import HttpResponseRedirect
from django.urls import include, path

urlpatterns = [
    path("", lambda request: HttpResponseRedirect("/plugins/global/saleor.ltv/health")),
    # The same prefix as inside Saleor, so clients work unchanged in both modes.
    path("plugins/global/saleor.ltv/", include("saleor_ltv_plugin.urls")),
]
