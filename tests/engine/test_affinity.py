import math

import pytest

from dispatch.engine import rank
from dispatch.engine.affinity import AFFINITY_FEATURES, affinities, affinity_features
from dispatch.engine.factors import current_counts, current_standings
from dispatch.engine.vector import TechTable

from .builders import experience, history, policy, tech, ticket
from .test_vector import assert_same

# Category count and customer history matter, overall volume counts against (a generalist).
WEIGHTS = (1.2, 1.0, 0.4, 0.9, -0.9, 0.0)
SKILLED = {"Exchange": 3}


def test_affinity_is_one_for_the_likeliest_resolver_and_relative_below():
    regular = tech("regular", experience={"Email Support": experience(20), "*": experience(25)})
    occasional = tech("occasional", experience={"Email Support": experience(1), "*": experience(3)})
    values = affinities([occasional, regular], ticket(), WEIGHTS)
    assert values[1] == 1.0 and 0 < values[0] < 0.5


def test_history_says_nothing_about_someone_it_does_not_show_on_this_work():
    """Issue 12: a negative weight on overall volume gave a technician with no history at all the
    highest affinity, "the likeliest resolver". Without history on the category, board or company
    a technician gets none (NaN): neutral in the score, and the reason cites no history."""
    regular = tech("regular", skills=SKILLED, experience={"Email Support": experience(2), "*": experience(80)})
    newcomer = tech("newcomer", skills=SKILLED)
    values = affinities([newcomer, regular], ticket(), WEIGHTS)
    assert math.isnan(values[0]) and values[1] == 1.0
    r = rank(ticket(category_required_skills=("Exchange",)), [newcomer, regular], policy(affinity_weights=WEIGHTS))
    skill = {c.tech_id: next(f for f in c.breakdown if f.factor == "skill") for c in r.candidates}
    assert skill["newcomer"].reason.endswith("history: none on Acme Corporation's Email Support tickets (neutral)")
    assert skill["newcomer"].value == 0.75  # half the matrix (1.0), half neutral (0.5)
    assert "likeliest resolver" not in skill["newcomer"].reason


def test_features_follow_the_declared_order():
    t = tech(
        experience={"Email Support": experience(3), "*": experience(7, resolved_this_week=2)},
        board_experience={"Service Desk": experience(1)},
        company_history={"acme": history(4)},
    )
    (row,) = affinity_features([t], ticket(board="Service Desk"))
    assert dict(zip(AFFINITY_FEATURES, [round(x, 3) for x in row], strict=True)) == {
        "category": 1.386, "category_share": 1.0, "board": 0.693,
        "company": 1.609, "overall": 2.079, "active_this_week": 1.099,
    }


def test_no_history_for_anyone_gives_no_affinity():
    assert affinities([tech("a"), tech("b")], ticket(), WEIGHTS) is None


def test_the_customers_regular_resolver_ranks_first_among_equally_skilled():
    tk = ticket(category_required_skills=("Exchange",))
    stranger = tech("stranger", skills=SKILLED, experience={"*": experience(30)})
    regular = tech("regular", skills=SKILLED, company_history={"acme": history(12)}, active_tickets=5,
                   experience={"Email Support": experience(8), "*": experience(10)})
    assert rank(tk, [stranger, regular], policy()).selected == "stranger"  # the idle one, without history
    r = rank(tk, [stranger, regular], policy(affinity_weights=WEIGHTS))
    assert r.selected == "regular"
    skill = next(f for f in r.candidates[0].breakdown if f.factor == "skill")
    assert "history: the likeliest resolver of Acme Corporation's Email Support tickets" in skill.reason


def test_affinity_does_not_lift_anyone_over_the_skill_threshold():
    tk = ticket(category_required_skills=("Exchange",))
    unqualified = tech("unqualified", skills={"Exchange": 1}, company_history={"acme": history(50)})
    qualified = tech("qualified", skills=SKILLED)
    r = rank(tk, [unqualified, qualified], policy(affinity_weights=WEIGHTS, skill_match_threshold=60,
                                                  force_assignment=False))
    assert r.selected == "qualified"
    assert "skill_threshold" in next(c for c in r.candidates if c.tech_id == "unqualified").blocked_by


def test_without_weights_the_skill_factor_is_the_skill_match():
    tk = ticket(category_required_skills=("Exchange",))
    regular = tech("regular", skills=SKILLED, company_history={"acme": history(12)})
    (c,) = rank(tk, [regular], policy()).candidates
    skill = next(f for f in c.breakdown if f.factor == "skill")
    assert skill.value == 1.0 and "history:" not in skill.reason


def test_the_runner_up_is_told_it_has_less_history_with_this_work():
    tk = ticket(category_required_skills=("Exchange",))
    stranger = tech("stranger", skills=SKILLED, experience={"*": experience(30)})
    regular = tech("regular", skills=SKILLED, company_history={"acme": history(12)},
                   experience={"Email Support": experience(8), "*": experience(10)})
    r = rank(tk, [stranger, regular], policy(affinity_weights=WEIGHTS))
    loser = next(c for c in r.candidates if c.tech_id == "stranger")
    assert loser.reason_not_selected.startswith("No history with this kind of ticket (Regular has)")


def test_a_batch_gives_each_ticket_to_its_categorys_regular_over_an_idle_newcomer():
    from dispatch.engine import rank_batch

    email = tech("email", skills=SKILLED, active_tickets=3, experience={"Email Support": experience(15)})
    network = tech("network", skills=SKILLED, active_tickets=3, experience={"Network": experience(15)})
    idle = tech("idle", skills=SKILLED)
    tickets = [ticket("T1", category_required_skills=("Exchange",)),
               ticket("T2", category="Network", category_required_skills=("Exchange",))]
    assert "idle" in [r.selected for r in rank_batch(tickets, [email, network, idle], policy())]
    rankings = rank_batch(tickets, [idle, network, email], policy(affinity_weights=WEIGHTS))
    assert [r.selected for r in rankings] == ["email", "network"]
    for c in (c for r in rankings for c in r.candidates):
        assert round(sum(f.points for f in c.breakdown), 1) == c.score


def test_a_stranger_to_the_work_never_outranks_someone_history_shows_on_it():
    """On a desk where a team owns each kind of work, strangers counted neutral (0.5) outranked
    every runner-up below half the leader's likelihood (Endava top-5 fell from 89% to 50%): no
    evidence counts as the least likely technician history does show on it, never more."""
    regular = tech("regular", skills=SKILLED, experience={"Email Support": experience(20), "*": experience(25)})
    occasional = tech("occasional", skills=SKILLED, experience={"Email Support": experience(1), "*": experience(3)})
    strangers = [tech(f"stranger-{i}", skills=SKILLED) for i in range(4)]
    team = [*strangers, occasional, regular]
    values = affinities(team, ticket(), WEIGHTS)
    assert values is not None and 0 < values[4] < 0.5
    for vectorized in (False, True):
        from dispatch.engine.vector import TechTable

        r = rank(ticket(category_required_skills=("Exchange",)), team, policy(affinity_weights=WEIGHTS),
                 table=TechTable(team) if vectorized else None)  # fmt: skip
        order = [c.tech_id for c in r.candidates]
        assert order[:2] == ["regular", "occasional"], order
        skill = {c.tech_id: next(f for f in c.breakdown if f.factor == "skill") for c in r.candidates}
        assert skill["stranger-0"].value == skill["occasional"].value  # level with the least likely shown
        assert "history: none on" in skill["stranger-0"].reason


# ------------------------------------------------------------ who does this work now (issue 12)


def test_current_counts_leave_a_desk_whose_work_stays_in_the_same_hands_alone():
    """This week's shares equal to the long-run ones: every count stays what the decay says."""
    assert current_counts([60.0, 30.0, 10.0], [6, 3, 1]) == pytest.approx([60.0, 30.0, 10.0])
    assert current_counts([60.0, 30.0, 10.0], [0, 0, 0]) == [60.0, 30.0, 10.0]  # nothing this week


def test_current_counts_follow_the_week_smoothed_toward_the_long_run_share():
    old, new = current_counts([90.0, 10.0], [0, 20])
    # the old hand keeps its long-run share at 5 tickets' weight against the week's 20
    assert old == pytest.approx(100 * (0 + 5 * 0.9) / 25) and new == pytest.approx(100 * (20 + 5 * 0.1) / 25)
    assert new > old


def _takeover(old_week: int, new_week: int) -> list:
    """A team that resolved most of the category for months and one that has resolved it lately."""
    overall = experience(400)
    return [
        tech("old-hand", experience={"Email Support": experience(300, relative=1.0, resolved_this_week=old_week),
                                     "*": overall}),
        tech("second", experience={"Email Support": experience(150, relative=0.5, resolved_this_week=0),
                                   "*": overall}),
        tech("newcomer", experience={"Email Support": experience(12, relative=0.04, resolved_this_week=new_week),
                                     "*": overall}),
    ]


def test_standing_is_against_whoever_does_the_work_now():
    """Endava's replay: new teams resolved the category for days while the long-run leaders, idle,
    kept the top places on their months-old counts (the decay needs a season). This week's share
    (smoothed toward the long-run one) decides the standing and the affinity: the team that took the
    work over leads, the one that stopped falls back, and the reason says what that rests on."""
    tk = ticket()
    for weights in ((), WEIGHTS):
        pol = policy(affinity_weights=weights)
        before = rank(tk, _takeover(0, 0), pol)  # nobody resolved any this week: the long-run standing
        assert before.selected == "old-hand"
        techs = _takeover(0, 12)
        after = rank(tk, techs, pol)
        assert [c.tech_id for c in after.candidates][:2] == ["newcomer", "old-hand"]
        skill = {c.tech_id: next(f for f in c.breakdown if f.factor == "skill") for c in after.candidates}
        assert "12 of the team's 12 this week (the main resolver now)" in skill["newcomer"].reason
        assert "resolved 300 Email Support tickets recently, none of the team's 12 this week" in skill["old-hand"].reason
        assert_same(rank(tk, techs, pol, table=TechTable(techs)), after)  # the vectorized path agrees


def test_a_steady_week_keeps_the_long_run_leader():
    """The leader still doing its share this week stays first: the week only moves who changed."""
    r = rank(ticket(), _takeover(8, 1), policy(affinity_weights=WEIGHTS))
    assert r.selected == "old-hand"
    standings = current_standings(_takeover(8, 1), "Email Support")
    assert standings is not None and standings[0].relative == 1.0 and standings[2].relative < 0.2
    assert current_standings(_takeover(0, 0), "Email Support") is None
