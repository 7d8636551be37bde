from bench.speed import SECTIONS, make_inputs
from dispatch.engine import rank, rank_batch


def test_speed_inputs_are_rankable_and_mostly_on_shift() -> None:
    techs, tickets, policy = make_inputs(12, 6)
    assert len(techs) == 12 and len(tickets) == 6
    ranking = rank(tickets[0], techs, policy)
    assert ranking.counts["available"] >= 6
    assert len(rank_batch(tickets, techs, policy, optimise=True)) == 6


def test_speed_sections_are_registered() -> None:
    assert {"ranking", "batch"} <= set(SECTIONS)
