from django.urls import path

from dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("", views.home, name="home"),
]
