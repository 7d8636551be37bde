from django.urls import path

from skills import views

app_name = "skills"

urlpatterns = [
    path("matrix/", views.matrix, name="matrix"),
    path("matrix/<int:technician_id>/<int:skill_id>/", views.level_set, name="level"),
    path("schedules/", views.schedules, name="schedules"),
    path("schedules/time-off/", views.timeoff_create, name="timeoff_create"),
    path("schedules/time-off/<int:timeoff_id>/delete/", views.timeoff_delete, name="timeoff_delete"),
    path("schedules/on-call/", views.oncall_create, name="oncall_create"),
    path("schedules/on-call/<int:oncall_id>/delete/", views.oncall_delete, name="oncall_delete"),
]
