"""Suggestions are never stale: the facts version, the snapshot, the re-rank, and approval
re-checked on current facts (dispatch.snapshot, dispatch.freshness, services.decision_approve)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dispatch import freshness, services, snapshot
from dispatch.batch import batch_dispatch
from dispatch.models import Assignment, Decision, DecisionStatus
from skills.models import Shift, TimeOff
from tests.factories import CategoryFactory, SkillFactory, TechnicianFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(db: Any) -> dict[str, Any]:
    skill = SkillFactory(name="Exchange")
    category = CategoryFactory(name="Email", skills=[skill])
    alice = TechnicianFactory(external_id="tech-alice", name="Alice Expert", skills={skill: "expert"})
    bob = TechnicianFactory(external_id="tech-bob", name="Bob Mid", skills={skill: "intermediate"})
    ticket = TicketFactory(external_id="7001", category=category, priority="High")
    return {"alice": alice, "bob": bob, "ticket": ticket, "category": category}


def sick(tech: Any, days: int = 2) -> TimeOff:
    now = timezone.now()
    return TimeOff.objects.create(technician=tech, start=now - dt.timedelta(hours=1), end=now + dt.timedelta(days=days), reason="Sick")


def committed(fn: Any, capture: Any) -> Any:
    """Run `fn` as if its transaction committed (the test's own transaction never does)."""
    with capture(execute=True):
        return fn()


def test_a_change_bumps_the_version_once_per_transaction(desk: Any, django_capture_on_commit_callbacks: Any) -> None:
    before = snapshot.current_version()

    def change() -> None:
        sick(desk["alice"])
        sick(desk["bob"])
        desk["bob"].save()

    committed(change, django_capture_on_commit_callbacks)
    assert snapshot.current_version() == before + 1


def test_the_snapshot_is_served_with_one_query_until_facts_change(desk: Any, django_capture_on_commit_callbacks: Any) -> None:
    committed(lambda: desk["bob"].save(), django_capture_on_commit_callbacks)  # nothing pending in this transaction
    now = timezone.now()
    first = snapshot.tech_facts(now)
    with CaptureQueriesContext(connection) as queries:
        again = snapshot.tech_facts(now)
    assert again is first and len(queries) == 1
    committed(lambda: sick(desk["alice"]), django_capture_on_commit_callbacks)
    rebuilt = snapshot.tech_facts(now)
    assert rebuilt.version == first.version + 1
    assert [i.reason for i in next(t for t in rebuilt.techs if t.id == "tech-alice").time_off] == ["Sick"]


def test_uncommitted_changes_are_read_from_the_database(desk: Any) -> None:
    now = timezone.now()
    snapshot.tech_facts(now)
    sick(desk["alice"])  # same transaction, not committed yet
    alice = next(t for t in snapshot.tech_facts(now).techs if t.id == "tech-alice")
    assert [i.reason for i in alice.time_off] == ["Sick"]


def test_a_workload_change_keeps_the_people_part(desk: Any, django_capture_on_commit_callbacks: Any) -> None:
    committed(lambda: desk["bob"].save(), django_capture_on_commit_callbacks)
    now = timezone.now()
    snapshot.tech_facts(now)
    people_before = snapshot.state()[1]
    committed(lambda: TicketFactory(external_id="7002", assigned_to=desk["alice"], category=desk["category"]), django_capture_on_commit_callbacks)
    assert snapshot.state()[1] == people_before
    alice = next(t for t in snapshot.tech_facts(now).techs if t.id == "tech-alice")
    assert alice.workload.active_tickets == 1


def test_after_a_workload_change_the_new_table_starts_warm_and_ranks_as_a_fresh_one(
    desk: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from dispatch import engine
    from dispatch.engine.vector import TechTable
    from dispatch.facts import load_policy, ticket_facts

    committed(lambda: desk["bob"].save(), django_capture_on_commit_callbacks)
    now = timezone.now()
    policy = load_policy(now=now)
    facts = ticket_facts(desk["ticket"])
    first = snapshot.tech_facts(now)
    engine.rank(facts, first.techs, policy, table=snapshot.table_for(first))  # its memos built
    committed(lambda: TicketFactory(external_id="7002", assigned_to=desk["alice"], category=desk["category"]), django_capture_on_commit_callbacks)
    second = snapshot.tech_facts(now)
    assert second.version == first.version + 1 and second.people_key == first.people_key
    warm = snapshot.table_for(second)
    assert any(k[0] == "skill" for k in warm._memo) and not any(k[0] == "skill" for k in TechTable(second.techs)._memo)
    got = engine.rank(facts, second.techs, policy, table=warm)
    assert got == engine.rank(facts, second.techs, policy, table=TechTable(second.techs))
    assert got == engine.rank(facts, second.techs, policy)  # and as the reference
    alice = next(c for c in got.candidates if c.tech_id == "tech-alice")
    assert "(1 active ticket)" in alice.breakdown[2].reason  # the new workload, not the memo's
    committed(lambda: sick(desk["bob"]), django_capture_on_commit_callbacks)  # a people change: the rota only
    third = snapshot.tech_facts(now)
    assert third.people_key != second.people_key
    rota_warm = snapshot.table_for(third)
    assert any(k[0] == "skill" for k in rota_warm._memo)  # per kind: still holds
    assert not any(k[0] == "status" for k in rota_warm._memo)  # availability: worked out again
    got = engine.rank(facts, third.techs, policy, table=rota_warm)
    assert got == engine.rank(facts, third.techs, policy, table=TechTable(third.techs))
    assert got == engine.rank(facts, third.techs, policy)
    bob = next(c for c in got.candidates if c.tech_id == "tech-bob")
    assert bob.availability_status == "time_off" and not bob.available
    # A skill change is not the rota: the next table is built afresh.
    def promote() -> None:
        level = desk["bob"].skill_levels.get()
        level.level = "expert"
        level.save()

    committed(promote, django_capture_on_commit_callbacks)
    fourth = snapshot.tech_facts(now)
    assert not any(k[0] == "skill" for k in snapshot.table_for(fourth)._memo)


def test_the_rota_base_counts_back_over_rota_only_changes() -> None:
    log = [[3, [1]], [4, [1], "rota"], [5, None, "rota"], [6, [2], "rota"]]
    assert snapshot.rota_base(log, 6) == 3  # a table on people version 3 or later keeps its kinds
    assert snapshot.rota_base(log + [[7, [2]]], 7) == 7  # a skill change: only its own version
    assert snapshot.rota_base([], 9) == 9
    assert snapshot._touched_since(log, 3, 6) is None  # entry 5 touched anyone
    assert snapshot._touched_since(log, 5, 6) == {2}  # the rota mark does not upset the log


def test_approving_a_suggestion_that_no_longer_stands_assigns_nothing_and_shows_the_new_one(desk: Any) -> None:
    decision = services.decision_create(ticket=desk["ticket"], mode="suggest")
    assert decision.recommended == desk["alice"]
    sick(desk["alice"])
    with pytest.raises(services.SuggestionChanged) as caught:
        services.decision_approve(ticket=desk["ticket"], user=UserFactory())
    assert "Alice Expert is on time off (Sick) until" in str(caught.value)
    assert caught.value.new.recommended == desk["bob"] and "now suggested: Bob Mid" in str(caught.value)
    assert not Assignment.objects.exists()
    assert services.latest_decision(desk["ticket"]).pk == caught.value.new.pk


def test_approving_with_the_old_suggestion_named_explicitly_is_also_rechecked(desk: Any) -> None:
    services.decision_create(ticket=desk["ticket"], mode="suggest")
    sick(desk["alice"])
    with pytest.raises(services.SuggestionChanged):
        services.decision_approve(ticket=desk["ticket"], user=UserFactory(), technician_id="tech-alice")
    assert not Assignment.objects.exists()


def test_approving_a_suggestion_that_still_stands_assigns_it(desk: Any) -> None:
    services.decision_create(ticket=desk["ticket"], mode="suggest")
    sick(desk["bob"])  # not the suggestion
    decision = services.decision_approve(ticket=desk["ticket"], user=UserFactory())
    assert decision.status == DecisionStatus.APPROVED and decision.assigned == desk["alice"]


def test_choosing_an_unavailable_technician_is_refused_with_why_and_when_back(desk: Any) -> None:
    services.decision_create(ticket=desk["ticket"], mode="suggest")
    sick(desk["bob"])
    with pytest.raises(services.TechnicianUnavailable) as caught:
        services.decision_approve(ticket=desk["ticket"], user=UserFactory(), technician_id="tech-bob", reason="knows the site")
    assert caught.value.code == "TECHNICIAN_UNAVAILABLE"
    assert "went offline before assignment" in str(caught.value) and "Bob Mid is on time off (Sick) until" in str(caught.value)
    assert not Assignment.objects.exists()


def test_assign_anyway_needs_a_reason_and_then_assigns(desk: Any) -> None:
    decision = services.decision_create(ticket=desk["ticket"], mode="suggest")
    sick(desk["alice"], days=1)
    user = UserFactory()
    with pytest.raises(services.ApprovalError, match="reason: required to assign Alice Expert while unavailable"):
        services.decision_approve(ticket=desk["ticket"], user=user, technician_id="tech-alice", assign_anyway=True)
    assert not Assignment.objects.exists()
    done = services.decision_approve(
        ticket=desk["ticket"], user=user, technician_id="tech-alice", reason="Back at noon, asked for it", assign_anyway=True
    )
    assert done.pk == decision.pk and done.status == DecisionStatus.OVERRIDDEN and done.assigned == desk["alice"]
    assert done.override_reason == "Back at noon, asked for it"


def test_off_shift_is_refused_too(desk: Any) -> None:
    services.decision_create(ticket=desk["ticket"], mode="suggest")
    now = timezone.now()
    far = (now + dt.timedelta(hours=6)).time().replace(second=0, microsecond=0)
    later = (now + dt.timedelta(hours=7)).time().replace(second=0, microsecond=0)
    for day in range(7):
        Shift.objects.create(technician=desk["bob"], weekday=day, start=far, end=later)
    with pytest.raises(services.TechnicianUnavailable, match="Bob Mid is off shift until"):
        services.decision_approve(ticket=desk["ticket"], user=UserFactory(), technician_id="tech-bob", reason="r")


def test_rerank_replaces_stale_suggestions_and_restamps_the_unchanged(desk: Any, django_capture_on_commit_callbacks: Any) -> None:
    other = TicketFactory(external_id="7003", category=desk["category"], priority="Low")
    first = services.decision_create(ticket=desk["ticket"], mode="suggest")
    kept = services.decision_create(ticket=other, mode="suggest")
    committed(lambda: sick(desk["alice"]), django_capture_on_commit_callbacks)
    assert {t.pk for t in freshness.stale_tickets(snapshot.current_version())} == {desk["ticket"].pk, other.pk}
    result = freshness.queue_rerank()
    assert (result["checked"], result["new"]) == (2, 2)  # both suggested Alice
    now_first = services.latest_decision(desk["ticket"])
    assert now_first.pk != first.pk and now_first.recommended == desk["bob"]
    assert now_first.facts_version == snapshot.current_version()
    assert Decision.objects.get(pk=first.pk).status == DecisionStatus.SUPERSEDED
    assert kept.pk != services.latest_decision(other).pk
    again = freshness.queue_rerank()
    assert again["checked"] == 0


def test_rerank_keeps_a_decision_that_still_says_the_same(desk: Any, django_capture_on_commit_callbacks: Any) -> None:
    decision = services.decision_create(ticket=desk["ticket"], mode="suggest")
    committed(lambda: sick(desk["bob"]), django_capture_on_commit_callbacks)
    result = freshness.queue_rerank()
    assert (result["checked"], result["kept"], result["new"]) == (1, 1, 0)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.SUGGESTED and decision.facts_version == snapshot.current_version()


def test_rerank_ranks_tickets_left_without_a_decision(desk: Any, time_machine: Any) -> None:
    assert freshness.queue_rerank()["checked"] == 0  # just stored: its creator ranks it
    time_machine.move_to(timezone.now() + freshness.NEW_TICKET_SETTLE + dt.timedelta(seconds=1))
    result = freshness.queue_rerank()
    assert result["new"] == 1 and services.latest_decision(desk["ticket"]).recommended == desk["alice"]


def test_a_rerank_never_assigns_even_for_trusted_categories(desk: Any) -> None:
    desk["category"].auto_assign = "on"
    desk["category"].auto_assign_min_confidence = 0.0
    desk["category"].save()
    assert freshness.queue_rerank(settle=dt.timedelta(0))["new"] == 1
    assert not Assignment.objects.exists()


def test_the_clock_tick_bumps_when_availability_changes_with_time(desk: Any, time_machine: Any) -> None:
    start = timezone.now().replace(hour=8, minute=58, second=0, microsecond=0)
    time_machine.move_to(start, tick=False)
    for day in range(7):
        Shift.objects.create(technician=desk["bob"], weekday=day, start=dt.time(9), end=dt.time(17))
    desk["bob"].timezone = "UTC"
    desk["bob"].save()
    freshness.clock_tick()
    before = snapshot.current_version()
    time_machine.move_to(start + dt.timedelta(minutes=1), tick=False)
    assert freshness.clock_tick()["bumped"] == 0
    time_machine.move_to(start + dt.timedelta(minutes=3), tick=False)  # Bob's shift started at 09:00
    assert freshness.clock_tick()["bumped"] == before + 1


def test_the_clock_tick_restales_a_decision_whose_sla_risk_moved(desk: Any, time_machine: Any) -> None:
    now = timezone.now()
    desk["ticket"].sla_due = now + dt.timedelta(hours=8)
    desk["ticket"].save()
    decision = services.decision_create(ticket=desk["ticket"], mode="suggest")
    freshness.clock_tick()
    time_machine.move_to(now + dt.timedelta(hours=7, minutes=50), tick=False)
    assert freshness.clock_tick()["risk"] == 1
    decision.refresh_from_db()
    assert decision.facts_version is None


def test_the_batch_places_the_whole_queue_and_reports_what_a_limit_leaves(desk: Any) -> None:
    for i in range(3):
        TicketFactory(external_id=f"80{i}", category=desk["category"])
    assert len(batch_dispatch(mode="suggest")) == 4
    limited = batch_dispatch(mode="suggest", limit=2)
    assert len(limited) == 4
    assert [r["reason"] for r in limited[2:]] == ["NOT_IN_BATCH", "NOT_IN_BATCH"]


def test_sick_leave_rebuilds_only_that_technicians_facts(
    desk: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    committed(lambda: desk["bob"].save(), django_capture_on_commit_callbacks)
    now = timezone.now()
    snapshot.tech_facts(now)
    bob_before = next(t for t in snapshot._MEMO["people"][2] if t.id == "tech-bob")
    committed(lambda: sick(desk["alice"]), django_capture_on_commit_callbacks)
    monkeypatch.setattr(snapshot, "build_people_facts", lambda **kw: pytest.fail("rebuilt everyone"))
    after = snapshot.tech_facts(now)
    by_id = {t.id: t for t in after.techs}
    assert [i.reason for i in by_id["tech-alice"].time_off] == ["Sick"]
    assert next(t for t in snapshot._MEMO["people"][2] if t.id == "tech-bob") is bob_before  # carried over
    assert [t.id for t in after.techs] == ["tech-alice", "tech-bob"]


def test_a_technician_made_inactive_drops_out_of_the_partial_rebuild(desk: Any, django_capture_on_commit_callbacks: Any) -> None:
    committed(lambda: desk["bob"].save(), django_capture_on_commit_callbacks)
    now = timezone.now()
    snapshot.tech_facts(now)

    def leave() -> None:
        desk["alice"].active = False
        desk["alice"].save()

    committed(leave, django_capture_on_commit_callbacks)
    assert [t.id for t in snapshot.tech_facts(now).techs] == ["tech-bob"]


def test_a_change_that_may_touch_anyone_rebuilds_everyone(desk: Any, django_capture_on_commit_callbacks: Any) -> None:
    from skills.models import Skill

    committed(lambda: desk["bob"].save(), django_capture_on_commit_callbacks)
    snapshot.tech_facts(timezone.now())
    committed(lambda: Skill.objects.filter(name="Exchange").first().save(), django_capture_on_commit_callbacks)
    assert snapshot._touched_since(snapshot._state()[3], snapshot.state()[1] - 1, snapshot.state()[1]) is None


def test_a_batch_pick_stands_through_a_rerank_while_its_technician_may_take_the_ticket(
    desk: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The optimiser's pick is rarely a ticket's own best; comparing it with a single ranking at
    the next change of facts would undo the batch (and the next cycle redo it)."""
    [result] = batch_dispatch(mode="suggest")
    decision = Decision.objects.get(pk=result["decision_id"])
    assert decision.inputs.get("batch") is True and decision.recommended == desk["alice"]
    Decision.objects.filter(pk=decision.pk).update(recommended=desk["bob"])  # as if the queue needed Alice elsewhere
    committed(lambda: TechnicianFactory(external_id="tech-carol", name="Carol"), django_capture_on_commit_callbacks)
    assert freshness.queue_rerank()["kept"] == 1
    assert services.latest_decision(desk["ticket"]).pk == decision.pk  # Bob still suggested
    committed(lambda: sick(desk["bob"]), django_capture_on_commit_callbacks)
    assert freshness.queue_rerank()["new"] == 1  # Bob may no longer take it: ranked afresh
    assert services.latest_decision(desk["ticket"]).recommended == desk["alice"]


def test_a_single_dispatch_is_not_kept_as_a_batch_pick(desk: Any, django_capture_on_commit_callbacks: Any) -> None:
    decision = services.decision_create(ticket=desk["ticket"], mode="suggest")
    assert "batch" not in decision.inputs
    Decision.objects.filter(pk=decision.pk).update(recommended=desk["bob"])
    committed(lambda: TechnicianFactory(external_id="tech-carol", name="Carol"), django_capture_on_commit_callbacks)
    assert freshness.queue_rerank()["new"] == 1  # not the best any more: replaced
    assert services.latest_decision(desk["ticket"]).recommended == desk["alice"]


def test_the_background_re_rank_explains_the_top_ten_as_the_batch_does(desk: Any, django_capture_on_commit_callbacks: Any) -> None:
    """A single dispatch stores every candidate up to CANDIDATES_SHOWN; the re-rank, which
    refreshes many rows at once, stores the top QUEUE_CANDIDATES_SHOWN, as the batch cycle does."""
    from dispatch.facts import CANDIDATES_SHOWN, QUEUE_CANDIDATES_SHOWN

    skill = desk["category"].required_skills.get()
    for i in range(12):
        TechnicianFactory(external_id=f"tech-x{i:02d}", name=f"Extra {i:02d}", skills={skill: "beginner"})
    first = services.decision_create(ticket=desk["ticket"], mode="suggest")
    assert len(first.candidates) == min(14, CANDIDATES_SHOWN) > QUEUE_CANDIDATES_SHOWN
    committed(lambda: sick(desk["alice"]), django_capture_on_commit_callbacks)
    result = freshness.queue_rerank(settle=dt.timedelta(0))
    assert result["new"] == 1
    latest = services.latest_decision(desk["ticket"])
    assert latest.pk != first.pk and latest.recommended == desk["bob"]
    assert len(latest.candidates) == QUEUE_CANDIDATES_SHOWN
    assert latest.document["evaluation_summary"]["candidates_evaluated"] == 14  # counts cover everyone
