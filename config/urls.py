from django.contrib import admin
from django.urls import include, path

from dispatch.api import api

admin.site.site_header = "Switchboard administration"
admin.site.site_title = "Switchboard"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", api.urls),
    path("skills/", include("skills.urls")),
    path("", include("dispatch.urls")),
]
