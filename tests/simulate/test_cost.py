"""Hourly cost by seniority, cost per ticket, and weights from Params reaching the engine policy."""

from dataclasses import replace

from bench.simulate.catalogue import Params
from bench.simulate.desk import build_desk
from bench.simulate.facts import FactsBuilder
from bench.simulate.metrics import measure
from bench.simulate.sim import Simulation
from dispatch.engine.types import DEFAULT_WEIGHTS

from .conftest import make_desk, tech, ticket
from .test_model import ToFirst


def test_hourly_cost_is_drawn_in_the_seniority_range() -> None:
    params = replace(Params(), days=1, warmup_days=0)
    desk = build_desk(1, params)
    seniorities = {t.seniority for t in desk.techs}
    assert seniorities == {"junior", "mid", "senior"}
    for t in desk.techs:
        lo, hi = params.hourly_cost[t.seniority]
        assert lo <= t.hourly_cost <= hi
    cheapest_senior = min(t.hourly_cost for t in desk.techs if t.seniority == "senior")
    dearest_junior = max(t.hourly_cost for t in desk.techs if t.seniority == "junior")
    assert dearest_junior < cheapest_senior


def test_costs_do_not_change_the_rest_of_the_desk() -> None:
    """Costs come from their own random stream: other ranges, same technicians and tickets."""
    a = build_desk(2, replace(Params(), days=2))
    b = build_desk(
        2,
        replace(
            Params(), days=2, hourly_cost={"senior": (200.0, 200.0), "mid": (1.0, 1.0), "junior": (1.0, 1.0)}
        ),
    )
    assert [(t.skills, t.duty, t.seniority) for t in a.techs] == [
        (t.skills, t.duty, t.seniority) for t in b.techs
    ]
    assert [(t.created, t.category, t.work_base) for t in a.tickets] == [
        (t.created, t.category, t.work_base) for t in b.tickets
    ]
    assert {t.hourly_cost for t in b.techs if t.seniority == "senior"} == {200.0}


def test_cost_per_ticket_is_minutes_worked_times_the_workers_rate() -> None:
    # The first holder lacks the skill and gives it back after a 30-minute look (u < 0.6); the
    # second, an intermediate, works it for 60 minutes.
    t = ticket(0, "Printers", u=(0.1, 0.1) + (0.99,) * 10, look=(30.0,) * 12)
    techs = [tech(0, {}, hourly_cost=40.0), tech(1, {"Printers": 2}, hourly_cost=100.0)]
    desk = make_desk(techs, [t])
    sim = Simulation(desk, ToFirst()).run()
    assert t.handoffs == 1
    assert t.worked == 90.0
    assert t.cost == 30 / 60 * 40.0 + 60 / 60 * 100.0
    m = measure(sim)
    assert m["cost_ticket"] == t.cost
    assert m["work_ticket"] == 1.5


def test_engine_policy_takes_weights_and_shift_from_params() -> None:
    w = {"skill": 0.2, "availability": 0.1, "workload": 0.6, "performance": 0.05, "customer_preference": 0.05}
    desk = make_desk([tech(0, {"Printers": 2})], [ticket(0)], weights=w, sla_priority_weight=0.25)
    sim = Simulation(desk, ToFirst())
    policy = FactsBuilder(sim).policy_at(0.0)
    assert dict(policy.weights) == w
    assert policy.sla_priority_weight == 0.25
    plain = FactsBuilder(Simulation(make_desk([tech(0, {}, hourly_cost=55.0)], [ticket(0)]), ToFirst()))
    assert dict(plain.policy_at(0.0).weights) == DEFAULT_WEIGHTS  # None: the engine's defaults
    assert plain.base[False][0].hourly_cost == 55.0  # the engine sees the cost too
