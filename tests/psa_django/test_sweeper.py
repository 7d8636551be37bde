"""The outbox sweeper enqueues what the broker does not hold, not every pending row at every beat.

These run against the real Redis broker (no worker consumes the test queue; it is purged after
each test). The worker-side behaviour (claims, a lost queue after a Redis restart, dead workers)
is tested with real workers in tests/integration/test_push_exactly_once.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app
from dispatch.models import Assignment, OutboxState
from dispatch.services import decision_approve
from psa import outbox
from psa.models import PsaConnection
from psa.tasks import push_pending
from tests.factories import CategoryFactory, SkillFactory, TechnicianFactory, TicketFactory
from tests.psa_django.conftest import CREDENTIALS


@pytest.fixture(autouse=True)
def broker() -> Iterator[None]:
    if app.conf.task_always_eager:
        pytest.skip("needs a real broker (CELERY_TASK_ALWAYS_EAGER=false, REDIS_URL set)")
    app.control.purge()
    yield
    app.control.purge()


def queued() -> int:
    """Messages waiting in the push queue of the broker (pushes have a queue of their own)."""
    with app.connection_for_write() as conn:
        return conn.default_channel.queue_declare(settings.PSA_PUSH_QUEUE, passive=True).message_count


@pytest.fixture
def rows(db: Any, dispatcher: Any) -> list[Assignment]:
    skill = SkillFactory(name="Exchange")
    category = CategoryFactory(name="Email", skills=[skill])
    TechnicianFactory(external_id="tech-alice", name="Alice Expert", skills={skill: "expert"})
    # Nothing is pushed here (no worker), so the PSA behind the connection is never called.
    conn = PsaConnection(name="psa", vendor="connectwise", base_url="http://127.0.0.1:9")
    conn.set_credentials(CREDENTIALS["connectwise"])
    conn.save()
    out = []
    for n in range(3):
        ticket = TicketFactory(external_id=f"70{n}", subject="Mailbox full", category=category, connection=conn)
        decision = decision_approve(ticket=ticket, user=dispatcher)
        out.append(Assignment.objects.get(decision=decision))
    assert all(a.state == OutboxState.PENDING and a.enqueued_at is None for a in out)
    return out


def test_schedule_push_marks_the_row_as_in_the_broker(rows: list[Assignment]) -> None:
    before = timezone.now()
    outbox.schedule_push(rows[0].pk)
    outbox.schedule_push(rows[1].pk, countdown=40)
    first, second = (Assignment.objects.get(pk=r.pk) for r in rows[:2])
    assert first.enqueued_at is not None and before <= first.enqueued_at <= timezone.now()
    assert second.enqueued_at is not None and second.enqueued_at >= before + timedelta(seconds=40)
    assert queued() == 2


def test_the_sweep_enqueues_only_rows_the_broker_does_not_hold(rows: list[Assignment]) -> None:
    in_broker, never, long_ago = rows
    outbox.schedule_push(in_broker.pk)  # its push is waiting for a worker
    Assignment.objects.filter(pk=long_ago.pk).update(enqueued_at=timezone.now() - timedelta(minutes=5))
    assert queued() == 1

    assert push_pending() == 2  # `never` (the broker was down) and `long_ago` (lost or stuck)
    assert queued() == 3
    assert push_pending() == 0  # the next beat adds nothing: all three are in the broker now
    assert queued() == 3
    assert set(outbox.due_assignment_ids(requeue_after=timedelta(0))) == {r.pk for r in rows}


def test_a_row_backing_off_is_not_swept_before_it_is_due(rows: list[Assignment]) -> None:
    row = rows[0]
    Assignment.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=1))
    assert row.pk not in outbox.due_assignment_ids(requeue_after=timedelta(0))


def test_released_claims_and_retried_rows_are_swept_at_once(rows: list[Assignment]) -> None:
    claimed, failed, _ = rows
    recent = timezone.now()
    Assignment.objects.filter(pk=claimed.pk).update(
        state=OutboxState.CLAIMED, claimed_at=recent - timedelta(hours=1), enqueued_at=recent
    )
    assert outbox.release_stale_claims() == 1  # its worker died: the broker no longer holds the push
    assert claimed.pk in outbox.due_assignment_ids()

    Assignment.objects.filter(pk=failed.pk).update(state=OutboxState.FAILED, attempts=5, enqueued_at=recent)
    app.control.purge()
    assert outbox.assignment_retry(failed.pk)
    assert queued() == 1  # the retry button enqueues it ...
    row = Assignment.objects.get(pk=failed.pk)
    assert row.state == OutboxState.PENDING and row.enqueued_at is not None and row.enqueued_at >= recent
    assert failed.pk not in outbox.due_assignment_ids()  # ... so the next sweep leaves it alone
