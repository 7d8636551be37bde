"""The Celery app: reads CELERY_* settings, discovers tasks, declares the beat schedule."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("switchboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "psa-sync-tickets": {"task": "psa.tasks.sync_all_tickets", "schedule": 60.0},
    "psa-sync-people": {"task": "psa.tasks.sync_all_people", "schedule": 15 * 60.0},
    "psa-sync-time": {"task": "psa.tasks.sync_all_time_entries", "schedule": 10 * 60.0},
    "psa-push-pending": {"task": "psa.tasks.push_pending", "schedule": 30.0},
    "psa-reconcile-owners": {"task": "psa.tasks.reconcile_all_owners", "schedule": 10 * 60.0},
    "dispatch-batch-cycle": {"task": "dispatch.tasks.batch_cycle", "schedule": 5 * 60.0},
    "dispatch-clock-tick": {"task": "dispatch.tasks.clock_tick", "schedule": 60.0},
    "dispatch-stranded-alerts": {"task": "dispatch.tasks.stranded_alerts", "schedule": 5 * 60.0},
    "dispatch-train-nightly": {"task": "dispatch.tasks.train_models", "schedule": crontab(hour=2, minute=30)},
}


@beat_init.connect
def reconcile_on_start(**kwargs: Any) -> None:
    """Owners are compared with the PSA when the schedule starts, not only 10 minutes later."""
    app.send_task("psa.tasks.reconcile_all_owners", kwargs={"trigger": "start"})
