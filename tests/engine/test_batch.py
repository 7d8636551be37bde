import itertools
import random
from collections import Counter
from dataclasses import replace

from dispatch.engine import batch_total_score, rank_batch, urgency_order
from dispatch.engine.types import PRIORITIES

from .builders import NOW, experience, hours, policy, reasons, rule, tech, ticket
from .test_ranking import random_case


def slots(n: int, **kw):
    """A technician with exactly n free slots."""
    return tech(max_active_tickets=n, **kw)


def test_optimiser_never_exceeds_capacity():
    rs = rank_batch([ticket(f"T{i}") for i in range(5)], [slots(2, id="a"), slots(2, id="b")], policy())
    assert Counter(r.selected for r in rs) == {"a": 2, "b": 2, None: 1}
    assert next(r for r in rs if r.selected is None).error_code == "ALL_TECHNICIANS_AT_CAPACITY"


def test_when_capacity_is_short_the_most_urgent_ticket_is_served():
    low = ticket("low", priority="Low")
    critical = ticket("crit", priority="Critical", sla_due=NOW + hours(1))
    for optimise in (True, False):
        rs = rank_batch([low, critical], [slots(1, id="a")], policy(), optimise=optimise)
        assert [r.selected for r in rs] == [None, "a"]


def test_optimiser_respects_language_exclusions_and_assign_to():
    team = [slots(3, id="es", languages={"English", "Spanish"}), slots(3, id="en"), slots(3, id="boss")]
    tickets = [
        ticket("es", language="Spanish"),
        ticket("ex", exclude=("en", "es")),
        ticket("vip", company_id="vip"),
    ]
    pol = policy(
        rules=(rule("vip to en", {"company": "vip"}, {"assign_to": "en"}, unless_unavailable=False),)
    )
    assert [r.selected for r in rank_batch(tickets, team, pol)] == ["es", "boss", "en"]


def crossing_case():
    """Greedy gives the urgent ticket to the best technician, who is the only one for the next ticket."""
    strong = slots(
        1, id="strong", languages={"English", "Spanish"}, experience={"*": experience(on_time_rate=1.0)}
    )
    plain = slots(1, id="plain", experience={"*": experience(on_time_rate=0.6)})
    urgent = ticket("urgent", priority="High", sla_due=NOW + hours(1))
    spanish = ticket("spanish", language="Spanish", sla_due=NOW + hours(6))
    return [urgent, spanish], [strong, plain], policy()


def test_greedy_fills_in_urgency_order_and_strands_a_ticket():
    rs = rank_batch(*crossing_case(), optimise=False)
    assert [r.selected for r in rs] == ["strong", None]


def test_optimiser_beats_greedy_where_greedy_is_provably_worse():
    tickets, techs, pol = crossing_case()
    optimal, greedy = rank_batch(tickets, techs, pol), rank_batch(tickets, techs, pol, optimise=False)
    assert [r.selected for r in optimal] == ["plain", "strong"]
    assert batch_total_score(optimal) > batch_total_score(greedy)
    assert "Batch optimiser chose plain" in reasons(optimal[0])["batch_optimisation"]


def test_optimiser_maximises_total_score_when_both_place_every_ticket():
    a = slots(
        1, id="a", skills={"Exchange": 3, "Networking": 3}, experience={"*": experience(on_time_rate=1.0)}
    )
    b = slots(1, id="b", skills={"Exchange": 3, "Networking": 1})
    tickets = [
        ticket("mail", category_required_skills=("Exchange",), priority="High"),
        ticket("net", category_required_skills=("Networking",)),
    ]
    pol = policy(skill_match_threshold=0)
    greedy, optimal = rank_batch(tickets, [a, b], pol, optimise=False), rank_batch(tickets, [a, b], pol)
    assert [r.selected for r in greedy] == ["a", "b"] and [r.selected for r in optimal] == ["b", "a"]
    assert batch_total_score(optimal) > batch_total_score(greedy)


def test_greedy_updates_workload_after_each_assignment():
    rs = rank_batch([ticket("T1"), ticket("T2")], [tech("a"), tech("b")], policy(), optimise=False)
    assert {r.selected for r in rs} == {"a", "b"}


def test_overflow_in_a_batch_only_when_allowed():
    tickets = [ticket("T1"), ticket("T2")]
    assert [r.selected for r in rank_batch(tickets, [slots(1, id="a")], policy())].count(None) == 1
    rs = rank_batch(tickets, [slots(1, id="a")], policy(allow_overflow_assignment=True))
    assert [r.selected for r in rs] == ["a", "a"] and any("overflow_assignment" in reasons(r) for r in rs)


def test_round_robin_batch_rotates_through_the_team():
    rs = rank_batch(
        [ticket(f"T{i}") for i in range(3)], [tech("a"), tech("b"), tech("c")], policy(strategy="round_robin")
    )
    assert sorted(r.selected for r in rs) == ["a", "b", "c"]


def test_disabled_dispatching_fails_every_ticket():
    rs = rank_batch([ticket("T1"), ticket("T2")], [tech()], policy(dispatching_enabled=False))
    assert [r.error_code for r in rs] == ["DISPATCHING_DISABLED"] * 2 and rank_batch(
        [], [tech()], policy()
    ) == []


def test_urgency_order_puts_near_deadlines_and_high_priority_first():
    tickets = [
        ticket("later", sla_due=NOW + hours(20)),
        ticket("soon", sla_due=NOW + hours(1)),
        ticket("crit", priority="Critical"),
    ]
    assert [tickets[i].id for i in urgency_order(tickets, NOW)] == ["soon", "crit", "later"]


def random_batch(seed: int):
    """A random team and policy with 1-8 random tickets."""
    rng = random.Random(seed)
    _, techs, pol = random_case(seed)
    tickets = [
        replace(random_case(seed * 100 + k)[0], id=f"T{k}", priority=rng.choice(PRIORITIES))
        for k in range(rng.randint(1, 8))
    ]
    return tickets, techs, pol


def test_random_batches_respect_capacity_and_hard_constraints():
    for seed, optimise in itertools.product(range(40), (True, False)):
        tickets, techs, pol = random_batch(seed)
        rankings = rank_batch(tickets, techs, pol, optimise=optimise)
        assert all(r.candidates[0].eligible for r in rankings if r.selected), (seed, optimise)
        if pol.allow_overflow_assignment or pol.override_workload_limit:
            continue
        # A senior pulled off other work for Critical VIP work may go past capacity (senior_pull);
        # every other assignment stays within it.
        by_id = {t.id: t for t in tickets}
        pulled = [r for r in rankings if r.selected and any(c.tech_id == r.selected and "pulled off other work" in
                  next(b.reason for b in c.breakdown if b.factor == "workload") for c in r.candidates)]  # fmt: skip
        for r in pulled:
            t = next(t for t in techs if t.id == r.selected)
            assert t.seniority == "senior" and by_id[r.ticket_id].priority == "Critical", (seed, optimise, r.ticket_id)
            assert by_id[r.ticket_id].company_tier.lower() == "vip"
        for tid, n in Counter(r.selected for r in rankings if r.selected and r not in pulled).items():
            t = next(t for t in techs if t.id == tid)
            assert t.workload.active_tickets + n <= (t.max_active_tickets or 10), (seed, optimise, tid)


def test_customer_preference_batch_keeps_preferred_technicians_first():
    tickets = [ticket(f"T{i}", preferred_tech="pref") for i in range(2)]
    team = [
        slots(2, id="pref", active_tickets=0),
        tech("star", experience={"*": experience(on_time_rate=1.0)}),
    ]
    rs = rank_batch(tickets, team, policy(strategy="customer_preference"))
    assert [r.selected for r in rs] == ["pref", "pref"]


def test_breached_ticket_without_force_fails_in_a_batch_while_others_are_placed():
    tickets = [ticket("late", sla_due=NOW - hours(1)), ticket("fine")]
    rs = rank_batch(tickets, [tech("a")], policy(force_assignment=False))
    assert [(r.selected, r.error_code) for r in rs] == [(None, "SLA_ALREADY_BREACHED"), ("a", None)]


def test_solve_finds_the_plain_optimum_in_every_form() -> None:
    """batch.solve (tenths as integers; near-square matrices transposed, padded with rows of
    zeros) gives a full assignment of the same total cost as the plain solver, on matrices of
    the batch's kind: tenths of a point, penalties, forbidden cells, many ties."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    from dispatch.engine.batch import FORBIDDEN, PENALTY_UNQUALIFIED, solve

    rng = np.random.default_rng(7)
    forms = Counter()
    for case in range(120):
        n_cols = int(rng.integers(1, 60))
        n_rows = int(rng.integers(1, n_cols + 1))
        score = np.round(rng.integers(0, 1001, (n_rows, n_cols)) / 10, 1)  # 0.0 .. 100.0
        if case % 3 == 0:
            score = np.round(rng.integers(0, 5, (n_rows, n_cols)) * 12.5, 1)  # few values: ties
        cost = np.where(rng.random((n_rows, n_cols)) < 0.2, PENALTY_UNQUALIFIED, 0.0) - score
        cost[rng.random((n_rows, n_cols)) < 0.1] = FORBIDDEN
        rows, cols = linear_sum_assignment(cost)
        pairs = solve(cost)
        assert sorted(r for r, _ in pairs) == list(range(n_rows))
        assert len({c for _, c in pairs}) == n_rows
        assert abs(sum(cost[r, c] for r, c in pairs) - cost[rows, cols].sum()) < 1e-6
        forms["square" if n_rows == n_cols else "near" if n_rows * 5 >= n_cols * 4 else "plain"] += 1
    assert min(forms.values()) >= 5, forms  # every form was exercised
    assert solve(np.zeros((0, 3))) == []


def test_solve_keeps_costs_that_are_not_tenths() -> None:
    import numpy as np

    from dispatch.engine.batch import solve

    cost = np.array([[0.04, 0.0], [0.0, 0.04]])  # tenths would make these a tie; they are not
    assert solve(cost) == [(0, 1), (1, 0)]
