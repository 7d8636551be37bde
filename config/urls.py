from django.contrib import admin
from django.urls import include, path

from config.health import healthz
from dispatch.api import api, api_not_found

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", api_not_found),  # unknown API paths answer JSON too
    path("skills/", include("skills.urls")),
    path("", include("dispatch.urls")),
]
