"""Stranded tickets: assigned, not started, and the technician is away past the SLA deadline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch.models import DispatchSettings, StrandedAlert
from dispatch.stranded import stranded_alerts, stranded_tickets
from skills.models import OnCall, Shift, TimeOff
from tests.factories import BoardFactory, TechnicianFactory, TicketFactory

UTC = dt.UTC
# Monday 1 June 2026, 20:00 UTC: after the day shift (Mon-Fri 08:00-16:00 UTC) has ended.
MONDAY_EVENING = dt.datetime(2026, 6, 1, 20, 0, tzinfo=UTC)
TUESDAY_8 = dt.datetime(2026, 6, 2, 8, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def day_shift(tech: Any) -> Any:
    for weekday in range(5):
        Shift.objects.create(technician=tech, weekday=weekday, start=dt.time(8), end=dt.time(16))
    return tech


def assigned(tech: Any, due: dt.datetime, **kw: Any) -> Any:
    kw.setdefault("status", "Assigned")
    return TicketFactory(assigned_to=tech, sla_due=due, created_at=due - dt.timedelta(hours=8), **kw)


def ids(now: dt.datetime = MONDAY_EVENING) -> list[str]:
    return [s.ticket.external_id for s in stranded_tickets(now)]


def test_off_shift_until_after_the_deadline_is_stranded_and_back_before_it_is_not() -> None:
    ana = day_shift(TechnicianFactory(name="Ana"))
    late = assigned(ana, TUESDAY_8 - dt.timedelta(hours=2), external_id="early-due")
    assigned(ana, TUESDAY_8 + dt.timedelta(hours=2), external_id="due-after-she-is-back")
    (found,) = stranded_tickets(MONDAY_EVENING)
    assert found.ticket.pk == late.pk and found.technician == ana
    assert (found.status, found.back_at, found.overdue) == ("off_shift", TUESDAY_8, False)
    assert found.reason == "off shift"


def test_time_off_entered_after_the_assignment_strands_the_tickets_it_covers() -> None:
    bob = TechnicianFactory(name="Bob")  # no shifts: available at all hours
    ticket = assigned(bob, MONDAY_EVENING + dt.timedelta(hours=6))
    assert ids() == []
    back = MONDAY_EVENING + dt.timedelta(days=2)
    TimeOff.objects.create(technician=bob, start=MONDAY_EVENING - dt.timedelta(hours=1), end=back, reason="Sick")
    (found,) = stranded_tickets(MONDAY_EVENING)
    assert (found.ticket.pk, found.status, found.back_at) == (ticket.pk, "time_off", back)
    # Sick only until before the deadline: still fine.
    TimeOff.objects.update(end=MONDAY_EVENING + dt.timedelta(hours=3))
    assert ids() == []


def test_an_overdue_ticket_with_an_absent_owner_is_stranded_and_marked_overdue() -> None:
    ana = day_shift(TechnicianFactory())
    assigned(ana, MONDAY_EVENING - dt.timedelta(hours=1))
    (found,) = stranded_tickets(MONDAY_EVENING)
    assert found.overdue


def test_a_technician_who_left_is_never_back() -> None:
    gone = TechnicianFactory(active=False)
    assigned(gone, MONDAY_EVENING + dt.timedelta(days=3))
    (found,) = stranded_tickets(MONDAY_EVENING)
    assert (found.status, found.back_at) == ("inactive", None)


def test_on_call_counts_as_available() -> None:
    ana = day_shift(TechnicianFactory())
    assigned(ana, TUESDAY_8 - dt.timedelta(hours=2))
    OnCall.objects.create(technician=ana, start=MONDAY_EVENING - dt.timedelta(hours=4), end=TUESDAY_8)
    assert ids() == []


def test_a_started_ticket_is_still_stranded_with_its_hours_logged() -> None:
    ana = day_shift(TechnicianFactory())
    ticket = assigned(ana, TUESDAY_8 - dt.timedelta(hours=2), actual_hours=1.5, status="In Progress")
    (found,) = stranded_tickets(MONDAY_EVENING)
    assert found.ticket.pk == ticket.pk and found.ticket.actual_hours == 1.5


@pytest.mark.parametrize(
    "change", ["waiting status", "closed", "unassigned", "no deadline", "board not dispatched"]
)
def test_tickets_nobody_needs_to_act_on_or_not_ours_are_not_stranded(change: str) -> None:
    ana = day_shift(TechnicianFactory())
    ticket = assigned(ana, TUESDAY_8 - dt.timedelta(hours=2))
    assert ids() == [ticket.external_id]
    if change == "waiting status":
        ticket.status = DispatchSettings.load().workload_excluded_statuses[0]
    elif change == "closed":
        ticket.closed = True
    elif change == "unassigned":
        ticket.assigned_to = None
    elif change == "no deadline":
        ticket.sla_due = None
    else:
        ticket.board = BoardFactory(name="Projects", dispatch_enabled=False)
    ticket.save()
    assert ids() == []


def test_soonest_deadline_first_and_the_limit_holds() -> None:
    ana = day_shift(TechnicianFactory())
    for hours in (5, 1, 3, 2, 4):
        assigned(ana, MONDAY_EVENING + dt.timedelta(hours=hours), external_id=f"due-{hours}")
    assert ids() == ["due-1", "due-2", "due-3", "due-4", "due-5"]
    assert [s.ticket.external_id for s in stranded_tickets(MONDAY_EVENING, limit=2)] == ["due-1", "due-2"]


def _queries() -> int:
    with CaptureQueriesContext(connection) as ctx:
        stranded_tickets(MONDAY_EVENING)
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_tickets_or_technicians() -> None:
    def grow(n: int) -> None:
        for _ in range(n):
            tech = day_shift(TechnicianFactory())
            TimeOff.objects.create(technician=tech, start=MONDAY_EVENING, end=MONDAY_EVENING + dt.timedelta(days=1))
            OnCall.objects.create(technician=tech, start=MONDAY_EVENING + dt.timedelta(days=3), end=MONDAY_EVENING + dt.timedelta(days=4))
            assigned(tech, MONDAY_EVENING + dt.timedelta(hours=3))

    grow(1)
    _queries()  # the first call creates the settings row
    small = _queries()
    grow(10)
    assert len(stranded_tickets(MONDAY_EVENING)) == 11
    assert _queries() == small


# ---- the manager's e-mail (dispatch.tasks.stranded_alerts, every 5 minutes) ----------------

BOSS = "boss@msp.example.com"


def boss(address: str = BOSS) -> None:
    settings = DispatchSettings.load()
    settings.escalation_email = address
    settings.save()


def test_the_manager_hears_about_newly_stranded_tickets_once(mailoutbox: list[Any]) -> None:
    boss()
    ana = day_shift(TechnicianFactory(name="Ana Ruiz"))
    first = assigned(ana, TUESDAY_8 - dt.timedelta(hours=2), subject="VPN down", priority="High")
    second = assigned(ana, TUESDAY_8 - dt.timedelta(hours=1), actual_hours=0.5)
    result = stranded_alerts(MONDAY_EVENING)
    assert (result["new"], result["sent"], result["recipient"]) == (2, True, BOSS)
    (message,) = mailoutbox
    assert message.to == [BOSS] and message.subject.startswith("[Switchboard] 2 tickets stranded")
    assert f"#{first.external_id} VPN down (High, " in message.body
    assert "Ana Ruiz, off shift until Tue 02 Jun 08:00 UTC; SLA due Tue 02 Jun 06:00 UTC; not started" in message.body
    assert f"#{second.external_id}" in message.body and "started, 0.5 h logged" in message.body

    assert stranded_alerts(MONDAY_EVENING + dt.timedelta(minutes=5))["new"] == 0  # the next run: nothing new
    desk = DispatchSettings.load()
    desk.business_hours = {**desk.business_hours, "timezone": "America/New_York"}
    desk.save()
    third = assigned(ana, TUESDAY_8 - dt.timedelta(minutes=30))
    assert stranded_alerts(MONDAY_EVENING + dt.timedelta(minutes=10))["new"] == 1
    assert len(mailoutbox) == 2 and f"#{third.external_id}" in mailoutbox[1].body
    assert f"#{first.external_id}" not in mailoutbox[1].body
    # Times in the desk's time zone (business hours): 08:00 UTC is 04:00 in New York in June.
    assert "until Tue 02 Jun 04:00 EDT; SLA due Tue 02 Jun 03:30 EDT" in mailoutbox[1].body


def test_a_ticket_that_strands_again_is_reported_again(mailoutbox: list[Any]) -> None:
    boss()
    bob = TechnicianFactory(name="Bob")
    ticket = assigned(bob, MONDAY_EVENING + dt.timedelta(hours=6))
    sick = TimeOff.objects.create(technician=bob, start=MONDAY_EVENING, end=MONDAY_EVENING + dt.timedelta(days=1))
    assert stranded_alerts(MONDAY_EVENING)["sent"]
    sick.delete()  # he came in after all
    assert stranded_alerts(MONDAY_EVENING)["forgotten"] == 1
    assert not StrandedAlert.objects.exists()
    TimeOff.objects.create(technician=bob, start=MONDAY_EVENING, end=MONDAY_EVENING + dt.timedelta(days=1))
    assert stranded_alerts(MONDAY_EVENING)["new"] == 1
    assert len(mailoutbox) == 2 and all(f"#{ticket.external_id}" in m.body for m in mailoutbox)


def test_a_new_owner_is_a_new_report(mailoutbox: list[Any]) -> None:
    boss()
    ana, gone = day_shift(TechnicianFactory()), TechnicianFactory(active=False)
    ticket = assigned(gone, TUESDAY_8 - dt.timedelta(hours=2))
    stranded_alerts(MONDAY_EVENING)
    ticket.assigned_to = ana  # reassigned in the PSA, to someone also away past the deadline
    ticket.save()
    assert stranded_alerts(MONDAY_EVENING)["new"] == 1 and len(mailoutbox) == 2


def test_without_an_address_nothing_is_recorded_and_the_report_waits(mailoutbox: list[Any]) -> None:
    gone = TechnicianFactory(active=False)
    assigned(gone, MONDAY_EVENING + dt.timedelta(hours=3))
    result = stranded_alerts(MONDAY_EVENING)
    assert (result["sent"], result["reason"]) == (False, "No recipient address configured")
    assert mailoutbox == [] and not StrandedAlert.objects.exists()
    boss()
    assert stranded_alerts(MONDAY_EVENING)["sent"] and len(mailoutbox) == 1


def test_a_mail_server_that_refuses_leaves_the_report_for_the_next_run(settings: Any, mailoutbox: list[Any]) -> None:
    boss()
    assigned(TechnicianFactory(active=False), MONDAY_EVENING + dt.timedelta(hours=3))
    # A real SMTP connection to a port nobody listens on.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with pytest.raises(OSError):
        stranded_alerts(MONDAY_EVENING)
    assert not StrandedAlert.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert stranded_alerts(MONDAY_EVENING)["sent"] and StrandedAlert.objects.count() == 1


def test_the_check_runs_on_the_beat_every_five_minutes(mailoutbox: list[Any]) -> None:
    from config.celery import app
    from dispatch import tasks

    entry = app.conf.beat_schedule["dispatch-stranded-alerts"]
    assert (entry["task"], entry["schedule"]) == ("dispatch.tasks.stranded_alerts", 300.0)
    assert entry["task"] in app.tasks and tasks.stranded_alerts.name == entry["task"]
    boss()
    assigned(TechnicianFactory(active=False), dt.datetime.now(UTC) + dt.timedelta(hours=3))
    assert tasks.stranded_alerts.apply().get()["sent"] and len(mailoutbox) == 1
