"""The example workspace (dispatch/fixtures/example_workspace.json) and its generator."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime, time
from functools import lru_cache
from pathlib import Path

from bench.make_example_workspace import ANCHOR, Desk, main
from dispatch.workspace import Workspace, read_workspace, to_document, validate_workspace
from dispatch.workspace.schema import dump_document

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "dispatch" / "fixtures" / "example_workspace.json"


@lru_cache(maxsize=1)
def example() -> Workspace:
    return read_workspace(EXAMPLE)


def test_example_validates_and_meets_the_size_minimums():
    ws = example()
    assert len(ws.technicians) >= 15
    assert len(ws.companies) >= 8
    assert len(ws.categories) >= 12
    assert len(ws.tickets) >= 60
    assert len(ws.history) >= 500
    assert len(ws.skills) >= 25 and len(ws.sla_policies) == 3 and len(ws.rules) >= 6
    assert EXAMPLE.stat().st_size < 3_000_000
    assert ws.implied_skills == () and ws.implied_categories == () and ws.implied_companies == ()


def test_example_file_is_what_the_generator_writes(tmp_path):
    out = tmp_path / "ws.json"
    assert main(["--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == EXAMPLE.read_text(encoding="utf-8"), "regenerate: python bench/make_example_workspace.py"


def test_generator_is_deterministic_per_seed():
    small = lambda seed: dump_document(Desk(seed).build(history=200, open_count=30))  # noqa: E731
    assert small(7) == small(7)
    assert small(7) != small(8)
    validate_workspace(Desk(8).build(history=200, open_count=30))


def test_roster_is_a_believable_msp():
    ws = example()
    techs = ws.technicians
    assert {t.seniority for t in techs} == {"junior", "mid", "senior"}
    zones = {t.timezone for t in techs}
    assert {"America/New_York", "America/Chicago", "America/Denver", "Europe/London"} <= zones
    assert zones & {"Europe/Madrid", "America/Mexico_City"}
    assert sum("Spanish" in t.languages for t in techs) >= 2 and any("French" in t.languages for t in techs)
    assert sum(t.onsite_capable for t in techs) >= 4
    assert all(t.location and t.hourly_cost and t.certifications and t.skills for t in techs)
    shifts = [s for t in techs for s in t.schedule]
    assert any(s.end <= s.start for s in shifts), "an evening shift crossing midnight"
    assert any(set(s.days) & {5, 6} for s in shifts), "a weekend shift"
    late_2026 = datetime(2026, 11, 20, tzinfo=UTC)
    assert sum(any(i.start >= late_2026 for i in t.time_off) for t in techs) >= 5
    on_call_ends = [i.end for t in techs for i in t.on_call]
    assert max(on_call_ends) >= datetime(2026, 12, 31, tzinfo=UTC)
    assert any(not t.active for t in techs)


def test_companies_policies_categories_and_rules():
    ws = example()
    assert 2 <= sum(c.tier == "vip" for c in ws.companies) <= 3
    assert len({c.sla_policy for c in ws.companies}) == 3
    assert all(c.account_technicians and c.location and c.contact_email for c in ws.companies)
    assert sum(c.preferred_technician is not None for c in ws.companies) >= 5
    auto = Counter(c.auto_assign for c in ws.categories)
    # a new desk has no decisions behind any category: auto-assign must earn trust in shadow first
    assert auto["off"] > auto["shadow"] >= 2 and auto["on"] == 0
    assert {c.complexity for c in ws.categories} == {"low", "medium", "high"}
    password = next(c for c in ws.categories if c.name == "Password Reset")
    assert (password.complexity, password.auto_assign) == ("low", "shadow")
    actions = Counter(next(k for k in r.then if k != "points") for r in ws.rules)
    assert {"min_seniority", "assign_to", "require_skills", "escalate_to", "exclude", "prefer", "board"} <= set(actions)
    assert any(r.unless_unavailable and "assign_to" in r.then for r in ws.rules)
    assert any("ransomware" in r.when.get("keywords", ()) for r in ws.rules)
    assert ws.settings["business_hours"].timezone == "America/New_York"
    assert ws.settings["business_hours"].start == time(8)


def test_open_tickets_look_like_a_monday_morning_queue():
    ws = example()
    tickets = ws.tickets
    assert all(ANCHOR - t.created_at <= (ANCHOR - datetime(2026, 11, 20, 13, tzinfo=UTC)) for t in tickets)
    assert all(t.created_at <= ANCHOR for t in tickets)
    priorities = Counter(t.priority for t in tickets)
    assert 1 <= priorities["Critical"] < priorities["High"] < priorities["Medium"]
    assert 10 <= sum(t.assigned_to is not None for t in tickets) < len(tickets) - 10
    assert sum(t.language == "Spanish" for t in tickets) >= 2
    assert sum(t.onsite and t.location is not None for t in tickets) >= 3
    assert sum(t.category is None for t in tickets) >= 3
    policies = {p.name: p for p in ws.sla_policies}
    companies = {c.id: c for c in ws.companies}
    for t in tickets:
        hours = policies[companies[t.company].sla_policy].response_hours[t.priority]
        assert (t.sla_due - t.created_at).total_seconds() == hours * 3600
        assert t.estimated_hours > 0 and t.subject and t.description


def test_history_is_consistent_and_learnable():
    ws = example()
    history = ws.history
    assert len(history) >= 1500
    assert history[0].opened_at >= datetime(2026, 2, 1, tzinfo=UTC)
    assert max(h.resolved_at for h in history) < ANCHOR
    assert all(h.opened_at <= h.first_response_at <= h.resolved_at for h in history)
    assert 0.03 <= statistics.mean(h.reopened for h in history) <= 0.07
    assert {h.csat for h in history} >= {1, 2, 3, 4, 5, None}
    assert any(h.reassignments for h in history)
    assert 0.5 < statistics.mean(bool(h.met_sla) for h in history) < 0.95
    # the latent pattern: the QuickBooks expert resolves most accounting tickets,
    # the account technicians their companies' tickets, seniors the hard ones
    accounting = Counter(h.resolved_by for h in history if h.category == "Accounting Software")
    assert accounting.most_common(1)[0][0] == "tech-hannah-kim"
    costa = Counter(h.resolved_by for h in history if h.company == "costa-verde")
    assert costa.most_common(1)[0][0] == "tech-emily-rodriguez"
    level = {t.id: t.seniority for t in ws.technicians}
    hard = {c.name for c in ws.categories if c.complexity == "high"}
    easy = {c.name for c in ws.categories if c.complexity == "low"}
    senior_share = lambda cats: statistics.mean(level[h.resolved_by] == "senior" for h in history if h.category in cats)  # noqa: E731
    assert senior_share(hard) > 2 * senior_share(easy)


def test_example_round_trips_through_to_document():
    ws = example()
    assert validate_workspace(to_document(ws)) == ws
