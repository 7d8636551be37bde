"""Pushes have a Celery queue of their own (config/settings.py PSA_PUSH_QUEUE), so an approval
is pushed by the push worker while a long sync holds the other one. Real workers, real Redis,
the ConnectWise simulator over HTTP."""

from __future__ import annotations

import time

import pytest

from dispatch.models import OutboxState
from psa.tasks import sync_tickets
from tests.integration.conftest import PUSH_QUEUE, QUEUE, Workers, World, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SYNC_HELD = 25.0  # how long the PSA holds the sync's ticket listing


def listing_in_flight(world: World) -> bool:
    return any(
        r["method"] == "GET" and r["path"].lower().endswith("/service/tickets") and r["status"] is None
        for r in world.sim.requests()
    )


def test_an_approval_is_pushed_while_a_long_sync_holds_the_other_worker(world: World, workers: Workers) -> None:
    workers.start(queues=QUEUE)  # sync, webhooks, training: one process, busy below
    workers.start(queues=PUSH_QUEUE)
    world.sim.fault("slow", delay=SYNC_HELD, method="GET", path_contains="/service/tickets")
    sync_tickets.delay(world.connection.pk)
    wait_for(lambda: listing_in_flight(world), "the sync to be waiting on the PSA")
    ticket = world.ticket()

    started = time.monotonic()
    world.approve(ticket)
    world.wait_state(ticket, OutboxState.PUSHED, timeout=SYNC_HELD)

    assert listing_in_flight(world)  # the sync is still running: the push did not wait for it
    assert time.monotonic() - started < SYNC_HELD
    world.assert_delivered_once(ticket)


def test_a_push_waits_when_its_only_worker_is_busy_with_a_sync(world: World, workers: Workers) -> None:
    """The control: without the push worker the same approval waits behind the sync."""
    workers.start(queues=f"{QUEUE},{PUSH_QUEUE}")
    world.sim.fault("slow", delay=8, method="GET", path_contains="/service/tickets")
    sync_tickets.delay(world.connection.pk)
    wait_for(lambda: listing_in_flight(world), "the sync to be waiting on the PSA")
    ticket = world.ticket()

    world.approve(ticket)
    time.sleep(3)

    assert world.assignment(ticket).state == OutboxState.PENDING
    world.wait_state(ticket, OutboxState.PUSHED)
