from bench.simulate.desk import time_factor
from bench.simulate.dispatchers import ManualDispatcher
from bench.simulate.sim import Simulation

from .conftest import make_desk, tech, ticket


class ToFirst:
    """A dispatcher that gives every ticket to the first technician not excluded."""

    name = "first"

    def __init__(self) -> None:
        self.submitted: list[tuple[float, str]] = []

    def attach(self, sim: Simulation) -> None:
        self.sim = sim

    def submit(self, t) -> None:  # type: ignore[no-untyped-def]
        self.submitted.append((self.sim.now, t.id))
        for tp in self.sim.techs:
            if tp.id not in t.excluded:
                self.sim.assign(t, tp)
                return

    def availability_changed(self) -> None:
        pass

    def capacity_freed(self, tech) -> None:  # type: ignore[no-untyped-def]
        pass

    def handle(self, kind, payload) -> None:  # type: ignore[no-untyped-def]
        pass


def resolution_minutes(level: int) -> float:
    t = ticket(0, "Printers", u=(0.99,) * 12)
    desk = make_desk([tech(0, {"Printers": level} if level else {})], [t])
    Simulation(desk, ToFirst()).run()
    assert t.resolved is not None
    return t.resolved - t.created


def test_skill_fit_factor_orders_expert_to_missing() -> None:
    assert time_factor({"Printers": 3}, ("Printers",)) == 0.7
    assert time_factor({"Printers": 2}, ("Printers",)) == 1.0
    assert time_factor({"Printers": 1}, ("Printers",)) == 1.5
    assert time_factor({}, ("Printers",)) == 2.5


def test_handling_time_grows_with_worse_skill_fit() -> None:
    times = [resolution_minutes(level) for level in (3, 2, 1, 0)]
    assert times == sorted(times)
    assert times[0] == 60.0 * 0.7 and times[-1] == 60.0 * 2.5


def test_account_technician_is_faster() -> None:
    plain = ticket(0, "Printers", u=(0.99,) * 12)
    desk = make_desk([tech(0, {"Printers": 2})], [plain])
    Simulation(desk, ToFirst()).run()
    familiar = ticket(0, "Printers", u=(0.99,) * 12)
    familiar.company.account_techs = ("tech-001",)
    desk = make_desk([tech(0, {"Printers": 2})], [familiar])
    Simulation(desk, ToFirst()).run()
    assert familiar.resolved - familiar.created == 0.85 * (plain.resolved - plain.created)


def test_wrong_skill_bounce_is_a_handoff_and_a_redispatch() -> None:
    t = ticket(0, "Printers", u=(0.1,) * 12, look=(20.0,) * 12)  # 0.1 < bounce probability 0.6
    wrong, right = tech(0, {"VMware": 3}), tech(1, {"Printers": 3})
    dispatcher = ToFirst()
    Simulation(make_desk([wrong, right], [t]), dispatcher).run()
    assert t.handoffs == 1
    assert t.touched_by == [0, 1]
    assert t.excluded == ("tech-001",)
    assert [when for when, _ in dispatcher.submitted] == [60.0, 80.0]  # arrival, then after the 20-min look
    assert t.first_response == 60.0  # the look counts as the first response
    assert t.resolved == 80.0 + 60.0 * 0.7
    assert t.first_right is False


def test_wrong_skill_without_bounce_is_worked_slowly() -> None:
    t = ticket(0, "Printers", u=(0.9,) * 12)  # 0.9 >= 0.6: keeps it
    Simulation(make_desk([tech(0, {"VMware": 3})], [t]), ToFirst()).run()
    assert t.handoffs == 0 and t.resolved - t.created == 60.0 * 2.5


def test_everyone_bounced_means_the_last_resort_keeps_it() -> None:
    t = ticket(0, "Printers", u=(0.1,) * 12, look=(20.0,) * 12)
    Simulation(make_desk([tech(0, {}), tech(1, {})], [t]), ToFirst()).run()
    assert t.handoffs == 2 and t.forced and t.resolved is not None


def test_work_stops_at_shift_end_and_resumes_next_shift() -> None:
    day = [(480.0, 1020.0), (1440 + 480.0, 1440 + 1020.0)]  # 08:00-17:00 two days
    t = ticket(0, "Printers", created=960.0, work_base=120.0, u=(0.99,) * 12)  # 16:00, 2 h of work
    Simulation(make_desk([tech(0, {"Printers": 2}, duty=day)], [t]), ToFirst()).run()
    assert t.resolved == 1440 + 480.0 + 60.0  # 1 h before the end of day 1, 1 h the next morning


def test_unstarted_tickets_go_back_to_dispatch_at_shift_end() -> None:
    day = [(480.0, 1020.0)]
    busy = ticket(0, "Printers", created=900.0, work_base=200.0, u=(0.99,) * 12)
    queued = ticket(1, "Printers", created=901.0, u=(0.99,) * 12)
    dispatcher = ToFirst()
    sim = Simulation(make_desk([tech(0, {"Printers": 2}, duty=day)], [busy, queued]), dispatcher)
    sim.run(until=1030.0)
    assert (1020.0, "T-2") in dispatcher.submitted  # handed back, not a handoff
    assert queued.handoffs == 0 and not queued.touched_by


def test_manual_dispatcher_waits_for_someone_on_shift() -> None:
    day = [(1440 + 480.0, 1440 + 1020.0)]  # only tomorrow
    t = ticket(0, "Printers", created=60.0, u=(0.99,) * 12)
    Simulation(make_desk([tech(0, {"Printers": 2}, duty=day)], [t]), ManualDispatcher(1)).run()
    assert t.first_assigned is not None and t.first_assigned >= 1440 + 480.0


def test_engine_assigns_a_ticket_it_can_place() -> None:
    from bench.simulate.dispatchers import EngineDispatcher

    t = ticket(0, "Printers", u=(0.99,) * 12)
    desk = make_desk([tech(0, {"VMware": 3}), tech(1, {"Printers": 3})], [t])
    Simulation(desk, EngineDispatcher("hybrid", 1)).run()
    assert t.touched_by == [1] and t.first_right
    assert t.first_assigned is not None and t.first_assigned - t.created < 1.0  # seconds, not minutes


def test_without_force_assignment_an_unqualified_wait_is_escalated_before_the_deadline() -> None:
    from bench.simulate.dispatchers import EngineDispatcher

    t = ticket(0, "Printers", u=(0.99,) * 12)  # response due 240 min after creation
    desk = make_desk([tech(0, {"VMware": 3})], [t], force_assignment=False)
    Simulation(desk, EngineDispatcher("hybrid", 1)).run()
    assert t.first_assigned == t.response_due - 30


def test_forcing_only_urgent_tickets_lets_a_medium_wait_but_places_a_high_at_once() -> None:
    from bench.simulate.dispatchers import EngineDispatcher

    medium = ticket(0, "Printers", u=(0.99,) * 12)
    high = ticket(1, "Printers", priority="High", u=(0.99,) * 12)
    desk = make_desk([tech(0, {"VMware": 3})], [medium, high], force_urgent_only=True)
    Simulation(desk, EngineDispatcher("hybrid", 1)).run()
    assert medium.first_assigned == medium.response_due - 30
    assert high.first_assigned is not None and high.first_assigned - high.created < 1.0
