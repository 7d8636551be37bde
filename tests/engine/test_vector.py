"""The vectorized engine against the one-by-one reference (ranking.evaluate + decide) on randomly
drawn desks: identical selection, error, order, scores and breakdowns (to 0.1), reasons and
rules, whatever the strategy, workload method, rules, languages, rota or clock."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import numpy as np
import pytest

from dispatch.engine import plan_batch, rank, rank_batch
from dispatch.engine.types import (
    STRATEGIES,
    WORKLOAD_METHODS,
    BusinessHours,
    CompanyHistory,
    Experience,
    GeoPoint,
    Interval,
    Policy,
    Ranking,
    Rule,
    Shift,
    TechFacts,
    TicketFacts,
    Workload,
)
from dispatch.engine.vector import TechTable, advice, pyround

SKILLS = ("Exchange", "Networking", "Windows", "Linux", "Security", "VoIP", "SQL", "Azure")
CATEGORIES = ("Email", "Network", "Server", "Security", "Phones")
COMPANIES = ("acme", "hooli", "initech")
ZONES = ("UTC", "America/New_York", "Europe/Berlin", "America/Denver", "Asia/Kolkata")
BASE = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # a Tuesday


def _tech(rng: random.Random, i: int, now: datetime) -> TechFacts:
    skills = {s: rng.choice((1, 2, 3)) for s in rng.sample(SKILLS, rng.randint(0, 4))}
    if skills and rng.random() < 0.1:  # a name in another case than the category's
        name = next(iter(skills))
        skills[name.lower()] = skills.pop(name)
    schedule: tuple[Shift, ...] = ()
    if rng.random() < 0.8:
        start = rng.choice((0, 6, 8, 9, 14, 22))
        end = (start + rng.choice((8, 9, 10))) % 24
        minute = 30 if rng.random() < 0.2 else 0
        schedule = (Shift(tuple(sorted(rng.sample(range(7), rng.randint(3, 6)))), time(start, minute), time(end)),)
    off = tuple(
        Interval(now + timedelta(hours=rng.uniform(-30, 30)), now + timedelta(hours=rng.uniform(31, 90)), "Sick")
        for _ in range(rng.random() < 0.2)
    )
    on_call = tuple(
        Interval(now - timedelta(hours=rng.randint(0, 5)), now + timedelta(hours=rng.randint(1, 12)))
        for _ in range(rng.random() < 0.15)
    )
    experience = {
        c: Experience(
            resolved=rng.uniform(0, 30),
            avg_resolution_hours=rng.choice((None, rng.uniform(0.5, 20))),
            on_time_rate=rng.choice((None, rng.random())),
            csat=rng.choice((None, rng.uniform(1, 5))),
            reopen_rate=rng.choice((None, rng.random() / 3)),
            relative=rng.choice((None, rng.random())),
            typical_hours=rng.choice((None, 3.0)),
            resolved_this_week=rng.choice((0, 0, rng.randint(1, 6))),  # current standings (factors)
        )
        for c in rng.sample(CATEGORIES, rng.randint(0, 3))
    }
    if rng.random() < 0.7:
        experience["*"] = Experience(resolved=rng.uniform(0, 80), on_time_rate=rng.random(), resolved_this_week=rng.randint(0, 9))
    n = rng.randint(0, 14)
    return TechFacts(
        id=f"tech-{i:03d}",
        name=f"Tech {i}",
        seniority=rng.choice(("junior", "mid", "senior", "mid")),
        timezone=rng.choice(ZONES),
        location=rng.choice((None, GeoPoint(42.3 + rng.random(), -71 - rng.random() * 5))),
        onsite_capable=rng.random() < 0.5,
        languages=frozenset(rng.sample(("English", "Spanish", "French", "German"), rng.randint(1, 2))),
        skills=skills,
        certifications=frozenset(rng.sample(("Exchange Certified", "CCNA Networking", "Azure Admin"), rng.randint(0, 1))),
        max_active_tickets=rng.choice((None, None, 5, 12)),
        schedule=schedule,
        time_off=off,
        on_call=on_call,
        active=rng.random() > 0.05,
        workload=Workload(n, round(n * rng.uniform(0.5, 3), 2), round(n * rng.uniform(0.5, 4), 2)),
        experience=experience,
        board_experience={"Service": Experience(resolved=rng.uniform(0, 10), relative=rng.random())} if rng.random() < 0.3 else {},
        company_history={c: CompanyHistory(rng.randint(0, 12), rng.choice((None, 4.2))) for c in rng.sample(COMPANIES, rng.randint(0, 2))},
        last_assigned_at=rng.choice((None, now - timedelta(minutes=rng.randint(1, 5000)))),
        hourly_cost=rng.choice((None, 45.0, 60.0, 95.0, 120.0)),
    )


def _ticket(rng: random.Random, now: datetime, techs: list[TechFacts]) -> TicketFacts:
    category = rng.choice(CATEGORIES)
    return TicketFacts(
        id="T1",
        subject="Something broke",
        category=category,
        priority=rng.choice(("Low", "Medium", "High", "Critical")),
        board=rng.choice(("", "Service")),
        company_id=rng.choice(COMPANIES),
        company_name="A company",
        company_tier=rng.choice(("standard", "vip")),
        category_required_skills=tuple(rng.sample(SKILLS, rng.randint(0, 3))),
        required_skills=tuple(rng.sample(SKILLS, rng.randint(0, 1))),
        complexity=rng.choice(("low", "medium", "high")),
        created_at=now - timedelta(hours=1),
        sla_due=rng.choice((None, now + timedelta(hours=rng.uniform(-2, 30)))),
        response_hours=rng.choice((None, 4.0)),
        preferred_tech=rng.choice((None, rng.choice(techs).id)),
        account_techs=tuple(t.id for t in rng.sample(techs, min(len(techs), rng.randint(0, 2)))),
        language=rng.choice((None, None, "Spanish", "english")),
        onsite=rng.random() < 0.15,
        location=rng.choice((None, GeoPoint(42.5, -72.0))),
        company_location=GeoPoint(42.4, -71.2),
        exclude=tuple(t.id for t in rng.sample(techs, rng.randint(0, 1))),
        estimated_hours=rng.uniform(0.5, 4),
    )


def _rules(rng: random.Random, techs: list[TechFacts]) -> tuple[Rule, ...]:
    pool = [
        Rule("vip seniors", {"tier": "vip"}, {"min_seniority": "mid"}),
        Rule("prefer one", {}, {"prefer": {rng.choice(techs).id: 10}}),
        Rule("keep one off", {"priority": "Low"}, {"exclude": [rng.choice(techs).id]}),
        Rule("overflow for critical", {"priority": "Critical"}, {"allow_overflow": True}),
        Rule("security skills", {"category": "Security"}, {"require_skills": ["Security"]}),
        Rule("escalate", {"priority": "Critical"}, {"escalate_to": "boss@example.com"}),
    ]
    if rng.random() < 0.05:  # assign_to decides on the reference path; kept rare here
        pool.append(Rule("named", {"company": "hooli"}, {"assign_to": rng.choice(techs).id}))
    return tuple(rng.sample(pool, rng.randint(0, 3)))


def scenario(seed: int) -> tuple[TicketFacts, list[TechFacts], Policy, str | None]:
    rng = random.Random(seed)
    now = BASE + timedelta(minutes=rng.randint(0, 7 * 24 * 60), seconds=rng.choice((0, 0, 17)))
    techs = [_tech(rng, i, now) for i in range(rng.randint(3, 40))]
    policy = Policy(
        now=now,
        strategy=rng.choice(STRATEGIES),
        max_tickets_per_technician=rng.choice((5, 10, 20)),
        workload_calculation_method=rng.choice(WORKLOAD_METHODS),
        sla_priority_weight=rng.random(),
        skill_match_threshold=rng.choice((0, 40, 60, 80)),
        allow_overflow_assignment=rng.random() < 0.3,
        business_hours_only=rng.random() < 0.3,
        preferred_tech_priority=rng.random() < 0.8,
        weights={"skill": rng.random(), "availability": rng.random(), "workload": rng.random(), "performance": rng.random(), "customer_preference": rng.random()},
        business_hours=BusinessHours(timezone=rng.choice(ZONES)),
        rules=_rules(rng, techs),
        force_assignment=rng.random() < 0.8,
        force_scope=rng.choice(("always", "urgent")),
        hours_per_ticket=rng.choice((1.0, 2.0, 0.75)),
        override_workload_limit=rng.random() < 0.2,
        escalation_email=rng.choice(("", "desk@example.com")),
        affinity_weights=rng.choice(((), (0.8, 1.5, 0.3, 0.4, -0.2, 0.1))),
        easy_work_cost_penalty=rng.choice((0.0, 0.4, 0.7)),
        senior_pull=rng.random() < 0.8,
    )
    strategy = rng.choice((None, None, *STRATEGIES))
    return _ticket(rng, now, techs), techs, policy, strategy


def assert_same(got: Ranking, expected: Ranking) -> None:
    assert got.ticket_id == expected.ticket_id
    assert got.selected == expected.selected and got.error_code == expected.error_code
    assert [c.tech_id for c in got.candidates] == [c.tech_id for c in expected.candidates]
    for g, e in zip(got.candidates, expected.candidates, strict=True):
        assert abs(g.score - e.score) <= 0.1
        assert [(b.factor, round(b.value, 3), b.points, b.reason) for b in g.breakdown] == [
            (b.factor, round(b.value, 3), b.points, b.reason) for b in e.breakdown
        ]
        assert (g.reason_not_selected, g.blocked_by, g.eligible) == (e.reason_not_selected, e.blocked_by, e.eligible)
        assert g.times == e.times  # the moments the reasons name (explain.candidate_times)
    assert (got.confidence, got.confidence_value) == (expected.confidence, expected.confidence_value)
    assert got.rules_applied == expected.rules_applied and got.counts == expected.counts
    assert (got.escalate_to, got.sla_risk) == (expected.escalate_to, expected.sla_risk)
    assert (got.error_message, got.blocking_factors, got.recommended_actions) == (
        expected.error_message, expected.blocking_factors, expected.recommended_actions,
    )  # fmt: skip


@pytest.mark.parametrize("seed", range(800))
def test_vectorized_ranking_matches_the_reference(seed: int) -> None:
    ticket, techs, policy, strategy = scenario(seed)
    assert_same(rank(ticket, techs, policy, strategy, table=TechTable(techs)), rank(ticket, techs, policy, strategy))


def batch_scenario(seed: int) -> tuple[list[TicketFacts], list[TechFacts], Policy]:
    """A desk and a queue of 2-25 tickets (sometimes more than the desk can hold)."""
    ticket, techs, policy, _ = scenario(seed)
    rng = random.Random(seed * 7 + 1)
    tickets = [ticket] + [replace(_ticket(rng, policy.now, techs), id=f"T{k + 2}") for k in range(rng.randint(1, 24))]
    policy = replace(policy, max_tickets_per_technician=rng.choice((1, 2, 5, 10)))
    return tickets, techs, policy


@pytest.mark.parametrize("seed", range(500))
def test_the_vectorized_batch_matches_the_reference(seed: int) -> None:
    """Same optimum (who gets what), same explanations at each ticket's turn, greedy and optimal."""
    tickets, techs, policy = batch_scenario(seed)
    optimise = seed % 4 != 0
    expected = rank_batch(tickets, techs, policy, optimise=optimise)
    got = rank_batch(tickets, techs, policy, optimise=optimise, table=TechTable(techs))
    assert [r.selected for r in got] == [r.selected for r in expected]
    for g, e in zip(got, expected, strict=True):
        assert_same(g, e)


@pytest.mark.parametrize("seed", range(800))
def test_the_advice_is_what_the_reference_decides(seed: int) -> None:
    ticket, techs, policy, strategy = scenario(seed)
    policy = replace(policy, force_scope="urgent") if seed % 3 == 0 else policy
    expected = rank(ticket, techs, policy, strategy)
    got = advice(ticket, TechTable(techs), policy, strategy)
    if got is None:  # an assign_to rule decides: only the full ranking can tell
        assert any(r.then.get("assign_to") for r in policy.rules)
        return
    waiting = next((b.details for b in expected.blocking_factors if b.factor == "force_scope"), "")[:300]
    assert got == (expected.selected, expected.error_code, waiting)


def test_a_table_reused_across_tickets_and_minutes_still_matches() -> None:
    ticket, techs, policy, strategy = scenario(7)
    table = TechTable(techs)
    for minutes in (0, 0.5, 1, 61, 600):
        at = replace(policy, now=policy.now + timedelta(minutes=minutes))
        assert rank(ticket, techs, at, strategy, table=table) == rank(ticket, techs, at, strategy)


def test_a_boundary_inside_a_minute_is_not_hidden_by_the_per_minute_memo() -> None:
    now = datetime(2026, 3, 10, 9, 0, 10, tzinfo=UTC)
    back = now + timedelta(seconds=20)  # time off synced to the second ends mid-minute
    techs = [
        TechFacts(id="a", name="A", skills={"Exchange": 3}, time_off=(Interval(now - timedelta(days=1), back, "Sick"),)),
        TechFacts(id="b", name="B", skills={"Exchange": 1}),
    ]
    ticket = TicketFacts(id="T", category_required_skills=("Exchange",))
    table = TechTable(techs)
    for at in (now, back - timedelta(seconds=1), back, back + timedelta(seconds=5)):
        policy = Policy(now=at)
        got = rank(ticket, techs, policy, table=table)
        assert got == rank(ticket, techs, policy)
    assert got.selected == "a"


def test_only_the_shown_candidates_are_written_out() -> None:
    ticket, techs, policy, strategy = scenario(11)
    full = rank(ticket, techs, policy, strategy)
    short = rank(ticket, techs, replace(policy, candidates_shown=3), strategy, table=TechTable(techs))
    assert [c.tech_id for c in short.candidates] == [c.tech_id for c in full.candidates][:3]
    assert short.counts == full.counts and short.selected == full.selected


def test_pyround_is_pythons_round() -> None:
    values = np.array([0.05, 0.15, 0.25, 2.675, 72.45, 1e-9, 99.95, 33.35, 0.1 + 0.2])
    assert list(pyround(values, 1)) == [round(float(v), 1) for v in values]
    assert list(pyround(values, 2)) == [round(float(v), 2) for v in values]


@pytest.mark.parametrize("seed", range(0, 500, 5))
def test_a_planned_batch_picks_first_and_explains_on_demand(seed: int) -> None:
    """plan_batch: the same picks as the reference batch before any reason is written, and each
    ticket's ranking, when asked for, the reference's."""
    tickets, techs, policy = batch_scenario(seed)
    expected = rank_batch(tickets, techs, policy)
    plans = plan_batch(tickets, techs, policy, TechTable(techs))
    assert [p.ticket_id for p in plans] == [t.id for t in tickets]
    assert [p.selected for p in plans] == [r.selected for r in expected]
    for plan, e in zip(plans, expected, strict=True):
        assert_same(plan.ranking(), e)
