"""Every confirmed assignment reaches the PSA exactly once, whatever fails: real Celery
workers, a real Redis, PostgreSQL and the PSA simulators over HTTP (docs/psa.md,
"Exactly-once push: how it is tested")."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from django.test import Client
from django.urls import reverse

from dispatch.models import Decision, DecisionStatus, OutboxState
from dispatch.services import decision_create, psa_sync_state
from psa import outbox
from psa.tasks import push_assignment, push_pending
from tests.integration.conftest import (
    HOLD,
    PUSH_MAX_ATTEMPTS,
    PUSH_QUEUE,
    SLOW_DELAY,
    RedisServer,
    Workers,
    World,
    applied,
    wait_for,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("world", ["connectwise", "autotask", "halopsa"], indirect=True)
def test_an_approved_assignment_is_pushed_once_with_its_note(world: World, workers: Workers) -> None:
    workers.start()
    ticket = world.ticket()
    decision = world.approve(ticket)
    row = world.wait_state(ticket, OutboxState.PUSHED)
    world.assert_delivered_once(ticket)
    assert row.attempts == 1
    assert psa_sync_state(decision)["state"] == OutboxState.PUSHED


def test_an_auto_assigned_decision_is_pushed_once(world: World, workers: Workers) -> None:
    workers.start()
    ticket = world.ticket()
    decision = decision_create(ticket=ticket, mode="assign", initiated_by="integration-test")
    assert decision.status == DecisionStatus.AUTO_ASSIGNED
    world.wait_state(ticket, OutboxState.PUSHED)
    world.assert_delivered_once(ticket, decision.assigned.external_id)


@pytest.mark.parametrize(
    ("write", "fault"),
    [
        ("owner", {"mode": "500"}),
        ("owner", {"mode": "slow", "delay": SLOW_DELAY}),
        ("note", {"mode": "slow", "delay": SLOW_DELAY}),
        ("owner", {"mode": "drop"}),
        ("note", {"mode": "drop"}),
    ],
    ids=["500", "slow-owner-write", "slow-note", "dropped-owner-write", "dropped-note"],
)
def test_a_failed_write_is_retried_and_lands_once(
    world: World, workers: Workers, write: str, fault: dict[str, Any]
) -> None:
    ticket = world.ticket()
    world.sim.fault_on(write, ticket_id=ticket.external_id, **fault)
    workers.start()
    world.approve(ticket)
    row = world.wait_state(ticket, OutboxState.PUSHED)
    world.assert_delivered_once(ticket)
    assert row.attempts == 2
    assert not world.sim.http.get("/_sim/faults").json()["pending"]  # the fault did fire


@pytest.mark.parametrize("world", ["autotask", "halopsa"], indirect=True)
@pytest.mark.parametrize("write", ["owner", "note"])
def test_a_write_the_psa_applied_after_the_client_timed_out_is_not_sent_again(
    world: World, workers: Workers, write: str
) -> None:
    ticket = world.ticket()
    world.sim.fault_on(write, "slow", ticket.external_id, delay=SLOW_DELAY)
    workers.start()
    world.approve(ticket)
    row = world.wait_state(ticket, OutboxState.PUSHED)
    world.assert_delivered_once(ticket)
    assert row.attempts == 2


def test_a_429_is_retried_no_sooner_than_its_retry_after(world: World, workers: Workers) -> None:
    ticket = world.ticket()
    world.sim.fault_on("owner", "429", ticket.external_id, retry_after=3)
    workers.start()
    world.approve(ticket)
    row = world.wait_state(ticket, OutboxState.PUSHED)
    log = world.sim.requests()
    rejected = next(i for i, r in enumerate(log) if r["status"] == 429)
    assert log[rejected + 1]["at"] - log[rejected]["at"] >= 3 - 0.05
    world.assert_delivered_once(ticket)
    assert row.attempts == 2


def test_a_permanent_failure_shows_psa_update_failed_and_the_retry_button_pushes_once(
    world: World, workers: Workers, client: Client
) -> None:
    ticket = world.ticket()
    world.sim.fault_on("owner", "500", ticket.external_id, count=100)
    workers.start()
    decision = world.approve(ticket)
    row = world.wait_state(ticket, OutboxState.FAILED)
    assert row.attempts == PUSH_MAX_ATTEMPTS
    assert psa_sync_state(decision)["code"] == "PSA_UPDATE_FAILED"
    assert world.sim.ticket(ticket.external_id)["owner_external_id"] is None

    world.sim.clear_faults()
    client.force_login(world.dispatcher)
    response = client.post(reverse("dispatch:retry", args=[row.pk]))
    assert response.status_code == 302
    world.wait_state(ticket, OutboxState.PUSHED)
    world.assert_delivered_once(ticket)
    assert psa_sync_state(decision)["state"] == OutboxState.PUSHED


@pytest.mark.parametrize("write", ["owner", "note"], ids=["killed-during-owner-write", "killed-during-note"])
def test_a_worker_killed_mid_push_is_recovered_by_the_sweeper_and_the_assignment_arrives_once(
    world: World, workers: Workers, write: str
) -> None:
    ticket = world.ticket()
    world.sim.fault_on(write, "slow", ticket.external_id, delay=HOLD)
    doomed = workers.start(env={"PSA_PUSH_TIMEOUT": "60"})  # it waits on the held request until killed
    world.approve(ticket)
    held = world.sim.owner_writes if write == "owner" else world.sim.note_writes
    wait_for(lambda: [r for r in held(ticket.external_id) if r["status"] is None], "the held write")
    doomed.kill()
    # The PSA carries out the write although nobody is left to hear the answer.
    wait_for(lambda: applied(held(ticket.external_id)), "the PSA to apply the held write")
    assert world.assignment(ticket).state == OutboxState.CLAIMED
    assert outbox.release_stale_claims() == 0  # the default window never takes a fresh claim

    workers.start()
    push_pending.delay(stale_seconds=1)
    row = world.wait_state(ticket, OutboxState.PUSHED)
    world.assert_delivered_once(ticket)
    assert row.attempts == 2


def test_an_approval_while_redis_is_down_is_delivered_by_the_sweeper_once_redis_is_back(
    world: World, workers: Workers, redis_server: RedisServer
) -> None:
    workers.start()
    ticket = world.ticket()
    redis_server.stop()
    decision = world.approve(ticket)  # the enqueue fails after the commit; the approval stands
    assert world.assignment(ticket).state == OutboxState.PENDING
    assert Decision.objects.get(pk=decision.pk).assigned == world.techs["tech-456"]

    redis_server.start()  # the running worker reconnects by itself
    push_pending.delay()
    world.wait_state(ticket, OutboxState.PUSHED)
    world.assert_delivered_once(ticket)


def test_a_push_queued_before_a_redis_restart_is_lost_by_redis_but_not_by_the_outbox(
    world: World, workers: Workers, redis_server: RedisServer
) -> None:
    ticket = world.ticket()
    world.approve(ticket)
    broker = redis.Redis.from_url(redis_server.url)
    assert broker.llen(PUSH_QUEUE) == 1  # pushes have a queue of their own
    redis_server.stop()
    redis_server.start()
    assert broker.llen(PUSH_QUEUE) == 0  # no persistence: the queued push is gone with the restart

    workers.start()
    # The outbox cannot see into the broker: it takes the push for queued until it is
    # PSA_PUSH_REQUEUE_AFTER old (2 minutes), then enqueues it again.
    assert outbox.due_assignment_ids() == []
    push_pending.delay(requeue_seconds=0)
    world.wait_state(ticket, OutboxState.PUSHED)
    world.assert_delivered_once(ticket)


def test_two_workers_and_the_sweeper_racing_push_each_assignment_exactly_once(
    world: World, workers: Workers
) -> None:
    tickets = [world.ticket(f"Ticket {n}") for n in range(8)]
    for ticket in tickets:
        world.approve(ticket)  # one push each, enqueued after the commit
    ids = [world.assignment(t).pk for t in tickets]
    for _ in range(2):  # duplicates, as a countdown retry and the beat's sweeper would race
        for assignment_id in ids:
            push_assignment.delay(assignment_id)
        push_pending.delay()
    racers = [workers.spawn(pool="prefork", concurrency=2) for _ in range(2)]
    for racer in racers:
        workers.wait_ready(racer)
    for ticket in tickets:
        world.wait_state(ticket, OutboxState.PUSHED)
    for ticket in tickets:
        world.assert_delivered_once(ticket)
    # Every push task beyond the eight that won a claim was turned away by the claim.
    wait_for(lambda: sum(r.results("not-claimed") for r in racers) >= 2 * len(ids), "the duplicates to run")
    assert sum(r.results("pushed") for r in racers) == len(ids)


@pytest.mark.parametrize("world", ["connectwise", "autotask", "halopsa"], indirect=True)
def test_a_reassignment_replaces_the_owner_once_through_a_failure(world: World, workers: Workers) -> None:
    from dispatch.models import Assignment
    from dispatch.services import decision_reassign

    ticket = world.ticket()
    workers.start()
    world.approve(ticket)  # to Sarah (tech-456)
    world.wait_state(ticket, OutboxState.PUSHED)
    world.sim.fault_on("owner", "500", ticket.external_id)  # the reassignment's first try fails
    decision_reassign(ticket=ticket, user=world.dispatcher, technician_id="tech-789", reason="Sarah is off sick")
    row = wait_for(
        lambda: Assignment.objects.filter(ticket=ticket, technician__external_id="tech-789", state=OutboxState.PUSHED).first(),
        "the reassignment to be pushed",
    )
    assert row.attempts == 2 and row.replaces.external_id == "tech-456"
    wait_for(lambda: all(r["status"] is not None for r in world.sim.requests()), "in-flight PSA requests")
    psa = world.sim.ticket(ticket.external_id)
    assert psa["owner_external_id"] == world.member_id("tech-789")
    assert len([n for n in psa["notes"] if n["text"] == outbox.pushed_note(row)]) == 1
    # Two owner writes in all that the PSA carried out: Sarah's, then John's (once, despite the 500).
    assert len(applied(world.sim.owner_writes(ticket.external_id))) == 2
