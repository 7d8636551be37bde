from django.urls import path

from dispatch import views, views_decisions, views_learned, views_manage, views_metrics

app_name = "dispatch"

urlpatterns = [
    path("", views.home, name="home"),
    # dispatchers (and managers)
    path("queue/", views.queue, name="queue"),
    path("queue/board/", views.board, name="board"),
    path("queue/bulk/", views.bulk_preview, name="bulk_preview"),
    path("queue/bulk/approve/", views.bulk_approve, name="bulk_approve"),
    path("queue/batch/", views.batch_run, name="batch"),
    path("queue/<int:ticket_id>/", views.ticket, name="ticket"),
    path("queue/<int:ticket_id>/assign/", views.ticket_assign, name="assign"),
    path("queue/<int:ticket_id>/reassign/", views.ticket_reassign, name="reassign"),
    path("queue/<int:ticket_id>/rerank/", views.ticket_rerank, name="rerank"),
    path("queue/<int:ticket_id>/whatif/", views.ticket_whatif, name="whatif"),
    path("assignments/<int:assignment_id>/retry/", views.assignment_retry, name="retry"),
    path("decisions/", views_decisions.decision_list, name="decisions"),
    path("decisions/<int:decision_id>/", views_decisions.decision_detail, name="decision"),
    path("metrics/", views_metrics.metrics, name="metrics"),
    # managers
    path("auto-assign/", views_manage.autoassign, name="autoassign"),
    path("auto-assign/<int:category_id>/", views_manage.autoassign_update, name="autoassign_update"),
    path("rules/", views_manage.rules, name="rules"),
    path("rules/settings/", views_manage.settings_edit, name="settings"),
    path("rules/new/", views_manage.rule_edit, name="rule_new"),
    path("rules/<int:rule_id>/", views_manage.rule_edit, name="rule"),
    path("people/learned/", views_learned.learned, name="learned"),
    path("people/learned/<int:technician_id>/", views_learned.learned_review, name="learned_review"),
    path("people/learned/weights/", views_learned.learned_weights, name="learned_weights"),
    path("workspace/import/", views_manage.workspace_upload, name="workspace_import"),
    path("workspace/export/", views_manage.workspace_download, name="workspace_export"),
]
