from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from saleor_ltv_plugin.hosts.saleor_app.urls import urlpatterns as app_urlpatterns


@csrf_exempt
def bare(request):
    request.body  # noqa: B018 — what every view does first
    return HttpResponse(b'{"success": true}', content_type="application/json")


urlpatterns = [path("bench/bare", bare), *app_urlpatterns]
