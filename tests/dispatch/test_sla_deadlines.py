"""SLA deadlines computed from the company's SLA policy when the ticket's source gives none
(dispatch.sla): calendar and business hours, what moves them, and what reads them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine

from dispatch import sla
from dispatch.facts import open_unassigned_tickets
from dispatch.metrics import sla_snapshot
from dispatch.models import DispatchSettings, SLAPolicy, Ticket
from dispatch.selectors import queue_tickets
from tests.factories import BoardFactory, CompanyFactory, SLAPolicyFactory, TechnicianFactory, TicketFactory

RESPONSE = {"Critical": 1, "High": 4, "Medium": 8, "Low": 24}
RESOLUTION = {"Critical": 4, "High": 8, "Medium": 24, "Low": 72}
DESK = {"timezone": "UTC", "days": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00"}
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # a Monday, 10:00 UTC


def _policy(business_hours: bool = False) -> Any:
    return SimpleNamespace(response_hours=RESPONSE, resolution_hours=RESOLUTION, business_hours=business_hours)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2026: the 7th is a Monday."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


# ---------------------------------------------------------------- the computation


@pytest.mark.parametrize("priority", ["Critical", "High", "Medium", "Low"])
def test_calendar_hours_per_priority(priority: str) -> None:
    response, resolution = sla.policy_deadlines(MONDAY, priority, _policy(), DESK)
    assert response == MONDAY + timedelta(hours=RESPONSE[priority])
    assert resolution == MONDAY + timedelta(hours=RESOLUTION[priority])


@pytest.mark.parametrize(
    ("priority", "response", "resolution"),
    [
        # Monday 10:00, days of 10 hours (8 left on Monday): 1 h -> 11:00; 4 h -> 14:00; 8 h -> 18:00;
        # 24 h -> Mon 8 + Tue 10 + Wed 6 -> Wed 14:00; 72 h -> Mon 8, Tue-Fri 40, Mon 10, Tue 10, Wed 4 -> Wed 12:00
        ("Critical", at(7, 11), at(7, 14)),
        ("High", at(7, 14), at(7, 18)),
        ("Medium", at(7, 18), at(9, 14)),
        ("Low", at(9, 14), at(16, 12)),
    ],
)
def test_business_hours_per_priority(priority: str, response: datetime, resolution: datetime) -> None:
    assert sla.policy_deadlines(MONDAY, priority, _policy(business_hours=True), DESK) == (response, resolution)


def test_business_hours_skip_the_weekend() -> None:
    friday_evening = at(11, 16)  # Friday 16:00: 2 h left that day
    assert sla.add_business_hours(friday_evening, 4, DESK) == at(14, 10)  # Monday 10:00
    saturday = at(12, 11)
    assert sla.add_business_hours(saturday, 4, DESK) == at(14, 12)  # the clock starts Monday 08:00


def test_business_hours_skip_the_night() -> None:
    assert sla.add_business_hours(at(8, 22), 1, DESK) == at(9, 9)  # Tuesday 22:00 -> Wednesday 09:00
    assert sla.add_business_hours(at(9, 6, 30), 1, DESK) == at(9, 9)  # before opening: from 08:00
    assert sla.add_business_hours(at(9, 17, 30), 1, DESK) == at(10, 8, 30)  # 30 min today, 30 tomorrow


def test_business_hours_in_the_desks_zone_across_a_daylight_saving_change() -> None:
    new_york = {"timezone": "America/New_York", "days": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00"}
    friday = datetime(2026, 3, 6, 22, 0, tzinfo=UTC)  # Friday 17:00 EST: one hour left
    # Daylight saving starts on Sunday 8 March: Monday opens at 08:00 EDT = 12:00 UTC.
    assert sla.add_business_hours(friday, 4, new_york) == datetime(2026, 3, 9, 15, 0, tzinfo=UTC)


def test_business_hours_crossing_midnight() -> None:
    nights = {"timezone": "UTC", "days": [0, 1, 2, 3, 4], "start": "22:00", "end": "06:00"}
    # Tuesday 05:00 is inside Monday night's window (to 06:00): 1 h there, then Tuesday 22:00 + 1 h.
    assert sla.add_business_hours(at(8, 5), 2, nights) == at(8, 23)


def test_unusable_business_hours_fall_back_to_calendar_hours() -> None:
    for desk in ({}, {"days": [], "start": "08:00", "end": "18:00"}, {**DESK, "timezone": "Mars/Olympus"}):
        assert sla.add_business_hours(MONDAY, 5, desk) == MONDAY + timedelta(hours=5)


def test_a_policy_counted_in_calendar_hours_ignores_the_desk_hours() -> None:
    friday_evening = at(11, 17)
    assert sla.policy_deadlines(friday_evening, "High", _policy(), DESK)[0] == at(11, 21)


def test_no_hours_for_the_priority_no_deadline() -> None:
    policy = SimpleNamespace(response_hours={"High": 4}, resolution_hours={}, business_hours=False)
    assert sla.policy_deadlines(MONDAY, "Low", policy, DESK) == (None, None)
    assert sla.policy_deadlines(MONDAY, "High", policy, DESK) == (MONDAY + timedelta(hours=4), None)
    assert sla.policy_deadlines(MONDAY, "High", None, DESK) == (None, None)


def test_the_deadline_that_matters_is_response_then_resolution() -> None:
    response, resolution = at(7, 11), at(7, 14)
    assert sla.effective_deadline(response, resolution, assigned=False) == response
    assert sla.effective_deadline(response, resolution, assigned=True) == resolution
    assert sla.effective_deadline(None, resolution, assigned=False) == resolution
    assert sla.effective_deadline(response, None, assigned=True) == response


# ---------------------------------------------------------------- stored, and kept current


def _company(name: str = "Premium 1-Hour", business_hours: bool = False, **hours: Any) -> Any:
    policy = SLAPolicyFactory(
        name=name,
        response_hours=hours.get("response", {"Critical": 1, "High": 1, "Medium": 4, "Low": 8}),
        resolution_hours=hours.get("resolution", {"Critical": 4, "High": 8, "Medium": 24, "Low": 72}),
        business_hours=business_hours,
    )
    return CompanyFactory(external_id="hooli", name="Hooli", tier="vip", sla_policy=policy)


def _ticket(company: Any, given: datetime | None = None, **fields: Any) -> Ticket:
    """A ticket stored as the intake paths store one: the given deadline, else the policy's."""
    fields = {"created_at": MONDAY, **fields}
    ticket = TicketFactory.build(company=company, sla_due=None, board=BoardFactory(), **fields)
    sla.apply_deadline(ticket, given)
    ticket.save()
    return ticket


@pytest.mark.django_db
def test_a_ticket_without_a_deadline_gets_the_policys() -> None:
    ticket = _ticket(_company(), priority="High")
    ticket.refresh_from_db()
    assert ticket.sla_due == MONDAY + timedelta(hours=1) and ticket.sla_due_source == "policy"
    assert ticket.sla_response_due == MONDAY + timedelta(hours=1)
    assert ticket.sla_resolution_due == MONDAY + timedelta(hours=8)


@pytest.mark.django_db
def test_a_policy_in_business_hours_reads_the_desks_setting() -> None:
    settings = DispatchSettings.load()
    settings.business_hours = {"timezone": "UTC", "days": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}
    settings.save()
    friday_evening = at(11, 16, 30)
    ticket = _ticket(_company(business_hours=True), priority="High", created_at=friday_evening)
    assert ticket.sla_due == at(14, 9, 30)  # 30 min on Friday, 30 on Monday from 09:00
    settings.business_hours = {**settings.business_hours, "start": "08:00"}
    settings.save()  # the desk's hours moved: the computed deadline follows
    ticket.refresh_from_db()
    assert ticket.sla_due == at(14, 8, 30)


@pytest.mark.django_db
def test_a_given_deadline_is_kept_and_marked_given() -> None:
    company = _company()
    given = MONDAY + timedelta(hours=30)
    ticket = _ticket(company, given, priority="High")
    company.sla_policy.response_hours = {"High": 2}
    company.sla_policy.save()
    ticket.refresh_from_db()
    assert (ticket.sla_due, ticket.sla_due_source, ticket.sla_response_due) == (given, "given", None)


@pytest.mark.django_db
def test_changing_the_policys_hours_or_the_companys_policy_recomputes() -> None:
    company = _company()
    ticket = _ticket(company, priority="High")
    policy = company.sla_policy
    policy.response_hours = {**policy.response_hours, "High": 2}
    policy.save()
    ticket.refresh_from_db()
    assert ticket.sla_due == MONDAY + timedelta(hours=2)
    company.sla_policy = SLAPolicyFactory(name="Basic", response_hours={"High": 24}, resolution_hours={})
    company.save()
    ticket.refresh_from_db()
    assert ticket.sla_due == MONDAY + timedelta(hours=24)
    company.sla_policy = None
    company.save()
    ticket.refresh_from_db()
    assert (ticket.sla_due, ticket.sla_due_source) == (None, "")


@pytest.mark.django_db
def test_deleting_the_policy_removes_the_deadline_it_set() -> None:
    company = _company()
    ticket = _ticket(company, priority="High")
    SLAPolicy.objects.filter(pk=company.sla_policy_id).delete()
    ticket.refresh_from_db()
    assert (ticket.sla_due, ticket.sla_due_source) == (None, "")


@pytest.mark.django_db
@time_machine.travel(MONDAY + timedelta(minutes=5), tick=False)
def test_assignment_moves_a_computed_deadline_to_resolution(dispatcher: Any) -> None:
    from dispatch.services import decision_approve, decision_create

    TechnicianFactory(external_id="tech-a", name="Ana")
    ticket = _ticket(_company(), priority="High")
    decision_create(ticket=ticket, mode="suggest")
    decision_approve(ticket=ticket, user=dispatcher)
    ticket.refresh_from_db()
    assert ticket.assigned_to is not None
    assert ticket.sla_due == MONDAY + timedelta(hours=8) and ticket.sla_due_source == "policy"


@pytest.mark.django_db
def test_queue_orders_computed_deadlines_with_given_ones() -> None:
    company = _company()
    policy_high = _ticket(company, priority="High", external_id="vip-high")  # computed: Monday 11:00
    TicketFactory(external_id="given-3h", company=company, created_at=MONDAY, sla_due=MONDAY + timedelta(hours=3))
    policy_low = _ticket(company, priority="Low", external_id="vip-low")  # computed: Monday 18:00
    bare = CompanyFactory(external_id="nopolicy", sla_policy=None)
    _ticket(bare, priority="Critical", external_id="no-sla")
    expected = ["vip-high", "given-3h", "vip-low", "no-sla"]
    assert [t.external_id for t in open_unassigned_tickets()] == expected
    assert [t.external_id for t in queue_tickets()] == expected
    assert policy_high.sla_due is not None and policy_low.sla_due is not None


@pytest.mark.django_db
def test_metrics_count_computed_deadlines() -> None:
    company = _company()
    _ticket(company, priority="High")  # due Monday 11:00
    assert sla_snapshot(now=MONDAY + timedelta(minutes=50))["at_risk"]["unassigned"] == 1
    assert sla_snapshot(now=MONDAY + timedelta(hours=2))["breached"]["unassigned"] == 1
    assert sla_snapshot(now=MONDAY)["none"]["unassigned"] == 0


@pytest.mark.django_db
def test_stranded_check_reads_the_computed_resolution_deadline() -> None:
    from dispatch.stranded import stranded_tickets
    from skills.models import TimeOff

    company = _company()
    owner = TechnicianFactory(external_id="tech-away", name="Away")
    TimeOff.objects.create(technician=owner, start=MONDAY - timedelta(days=1), end=MONDAY + timedelta(days=3))
    ticket = _ticket(company, priority="High", assigned_to=owner)
    assert ticket.sla_due == MONDAY + timedelta(hours=8)  # assigned: the resolution deadline
    found = stranded_tickets(MONDAY + timedelta(hours=1))
    assert [s.ticket.external_id for s in found] == [ticket.external_id]


@pytest.mark.django_db
def test_the_admin_recomputes_a_policy_deadline_and_keeps_a_typed_one(rf: Any, admin_user: Any) -> None:
    from django.contrib.admin.sites import site

    ticket_admin = site._registry[Ticket]
    request = rf.post("/")
    request.user = admin_user
    ticket = _ticket(_company(), priority="High")
    ticket.priority = "Low"
    ticket_admin.save_model(request, ticket, SimpleNamespace(changed_data=["priority"]), True)
    ticket.refresh_from_db()
    assert (ticket.sla_due, ticket.sla_due_source) == (MONDAY + timedelta(hours=8), "policy")
    typed = MONDAY + timedelta(days=2)
    ticket.sla_due = typed
    ticket_admin.save_model(request, ticket, SimpleNamespace(changed_data=["sla_due"]), True)
    ticket.refresh_from_db()
    assert (ticket.sla_due, ticket.sla_due_source) == (typed, "given")
