from bench.simulate.events import ARRIVAL, DISPATCH, DUTY_END, DUTY_START, FINISH, EventQueue


def test_events_pop_in_time_order() -> None:
    q = EventQueue()
    for t in (30.0, 10.0, 20.0):
        q.push(t, ARRIVAL, t)
    assert [q.pop()[0] for _ in range(3)] == [10.0, 20.0, 30.0]


def test_ties_resolve_finish_end_start_arrival_dispatch() -> None:
    q = EventQueue()
    for kind in (DISPATCH, ARRIVAL, DUTY_START, DUTY_END, FINISH):
        q.push(5.0, kind, kind)
    assert [q.pop()[1] for _ in range(5)] == [FINISH, DUTY_END, DUTY_START, ARRIVAL, DISPATCH]


def test_same_time_same_kind_keeps_insertion_order_without_comparing_payloads() -> None:
    q = EventQueue()
    payloads = [object() for _ in range(4)]
    for p in payloads:
        q.push(1.0, ARRIVAL, p)
    assert [q.pop()[2] for _ in range(4)] == payloads
