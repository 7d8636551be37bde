"""Suggestions re-made in the background by a real Celery worker when facts change: sick leave
entered for the suggested technician is followed, without anyone asking, by new suggestions on
the current facts; many changes at once are coalesced into few runs. Real PostgreSQL, real Redis
(broker and the shared cache), a real worker process."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from dispatch import freshness, services, snapshot
from dispatch.models import Assignment
from skills.models import TimeOff
from tests.factories import CategoryFactory, SkillFactory, TechnicianFactory, TicketFactory
from tests.integration.conftest import RedisServer, Workers, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shared_cache(redis_server: RedisServer) -> Iterator[None]:
    """This process and the workers share one cache, as web and worker processes do in production."""
    redis_server.flush()
    cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_server.url}}
    with override_settings(CACHES=cache):
        yield


def runs(worker: Any) -> int:
    return sum(1 for line in worker.log.read_text(errors="replace").splitlines()
               if "dispatch.tasks.rerank_queue" in line and "succeeded in" in line)  # fmt: skip


def current_suggestions(tickets: list[Any]) -> dict[str, tuple[str | None, int | None]]:
    out = {}
    for t in tickets:
        d = services.latest_decision(t)
        out[t.external_id] = (d.recommended.external_id if d and d.recommended else None, d.facts_version if d else None)
    return out


def test_sick_leave_re_ranks_the_affected_suggestions_in_the_background(workers: Workers, shared_cache: None) -> None:
    worker = workers.start()
    skill = SkillFactory(name="Exchange")
    category = CategoryFactory(name="Email", skills=[skill])
    alice = TechnicianFactory(external_id="tech-alice", name="Alice", skills={skill: "expert"})
    TechnicianFactory(external_id="tech-bob", name="Bob", skills={skill: "intermediate"})
    tickets = [TicketFactory(external_id=f"61{i}", category=category) for i in range(3)]
    freshness.queue_rerank(settle=dt.timedelta(0))  # their first ranking, as the intake would make it
    assert {s for s, _ in current_suggestions(tickets).values()} == {"tech-alice"}

    now = timezone.now()
    TimeOff.objects.create(technician=alice, start=now - dt.timedelta(hours=1), end=now + dt.timedelta(days=2), reason="Sick")

    def re_ranked() -> bool:
        version = snapshot.current_version()
        return all(s == ("tech-bob", version) for s in current_suggestions(tickets).values())

    try:
        wait_for(re_ranked, "the worker's re-rank after sick leave")
    except AssertionError as exc:
        import redis

        r = redis.Redis.from_url(workers.broker_url)
        state = {k.decode(): r.type(k).decode() for k in r.keys("*")}
        raise AssertionError(f"{exc}\nbroker keys: {state}\n{worker.tail(80)}") from exc
    assert runs(worker) >= 1 and not Assignment.objects.exists()


def test_many_changes_at_once_are_coalesced(workers: Workers, shared_cache: None) -> None:
    skill = SkillFactory(name="Exchange")
    category = CategoryFactory(name="Email", skills=[skill])
    techs = [TechnicianFactory(external_id=f"tech-{i}", skills={skill: "expert"}) for i in range(5)]
    tickets = [TicketFactory(external_id=f"62{i}", category=category) for i in range(4)]
    freshness.queue_rerank(settle=dt.timedelta(0))  # their first ranking, as the intake would make it
    worker = workers.start()
    before = runs(worker)
    now = timezone.now()
    for round_ in range(20):  # twenty separate commits, as a people sync or an import makes them
        TimeOff.objects.create(
            technician=techs[round_ % 5], start=now + dt.timedelta(days=3, hours=round_), end=now + dt.timedelta(days=3, hours=round_ + 1)
        )
    version = snapshot.current_version()
    wait_for(lambda: all(v[1] == version for v in current_suggestions(tickets).values()), "suggestions on the last version")
    assert 1 <= runs(worker) - before < 20
