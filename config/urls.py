from django.contrib import admin
from django.urls import include, path

from config.health import healthz
from dispatch.api import api

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", api.urls),
    path("skills/", include("skills.urls")),
    path("", include("dispatch.urls")),
]
