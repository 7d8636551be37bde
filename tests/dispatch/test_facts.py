import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dispatch.facts import build_tech_facts, ticket_facts, ticket_queryset
from skills.models import OnCall, Shift, TimeOff
from tests.factories import CategoryFactory, CompanyFactory, SkillFactory, TechnicianFactory, TicketFactory


def make_desk(n_techs: int, n_tickets: int) -> None:
    exchange, o365 = SkillFactory(name="Exchange"), SkillFactory(name="Office 365")
    category = CategoryFactory(name="Email Support", skills=[exchange, o365])
    company = CompanyFactory()
    now = timezone.now()
    techs = [TechnicianFactory(skills={exchange: "expert", o365: "beginner"}) for _ in range(n_techs)]
    for tech in techs:
        tech.certifications.create(name=f"Cert {tech.external_id}")
        Shift.objects.create(technician=tech, weekday=0, start=dt.time(8), end=dt.time(16))
        TimeOff.objects.create(technician=tech, start=now + dt.timedelta(days=1), end=now + dt.timedelta(days=2))
        OnCall.objects.create(technician=tech, start=now, end=now + dt.timedelta(hours=8))
    for i in range(n_tickets):
        TicketFactory(category=category, company=company, assigned_to=techs[i % n_techs])


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_tech_facts_take_the_same_queries_for_3_or_30_technicians():
    make_desk(3, 5)
    small = count_queries(lambda: build_tech_facts(now=timezone.now(), excluded_statuses=[]))
    make_desk(30, 60)
    large = count_queries(lambda: build_tech_facts(now=timezone.now(), excluded_statuses=[]))
    assert small == large == 10


@pytest.mark.django_db
def test_ticket_facts_take_a_constant_number_of_queries():
    make_desk(3, 4)
    company = CompanyFactory(external_id="vip")
    company.account_technicians.set(TechnicianFactory.create_batch(5))
    ticket = TicketFactory(company=company, category=CategoryFactory(name="Email Support"))
    assert count_queries(lambda: ticket_facts(ticket_queryset().get(pk=ticket.pk))) == 3


@pytest.mark.django_db
def test_attached_relations_give_the_same_facts_in_a_fixed_number_of_queries():
    """facts.attach_relations (the re-rank's loader): plain rows, each category, company and board
    read once for all, the same TicketFacts as ticket_queryset(); rows read before are reused."""
    from dispatch.facts import attach_relations
    from dispatch.models import Board, SLAPolicy, Ticket

    make_desk(3, 2)
    sla = SLAPolicy.objects.create(name="Premium", response_hours={"High": 1})
    vip = CompanyFactory(external_id="vip", sla_policy=sla, preferred_technician=TechnicianFactory())
    vip.account_technicians.set(TechnicianFactory.create_batch(3))
    board, _ = Board.objects.get_or_create(name="Escalations")
    other = CategoryFactory(name="Network", skills=[SkillFactory(name="VPN")])
    for i in range(12):
        TicketFactory(company=vip if i % 2 else None, category=other if i % 3 else None, board=board if i % 4 else None,
                      predicted_category=other if i % 3 == 0 else None, priority="High")  # fmt: skip
    ids = list(Ticket.objects.order_by("pk").values_list("pk", flat=True))
    expected = [ticket_facts(t) for t in ticket_queryset().filter(pk__in=ids).order_by("pk")]
    plain = list(Ticket.objects.filter(pk__in=ids).order_by("pk"))
    known: dict = {}
    with CaptureQueriesContext(connection) as first:
        got = [ticket_facts(t) for t in attach_relations(plain, known)]
    assert got == expected
    assert len(first.captured_queries) <= 6
    again = list(Ticket.objects.filter(pk__in=ids).order_by("pk"))
    assert count_queries(lambda: [ticket_facts(t) for t in attach_relations(again, known)]) == 0


@pytest.mark.django_db
def test_workload_counts_only_open_assigned_tickets_outside_excluded_statuses():
    tech = TechnicianFactory()
    TicketFactory(assigned_to=tech, estimated_hours=2, priority="High")
    TicketFactory(assigned_to=tech, estimated_hours=5, status="Waiting for Customer")
    TicketFactory(assigned_to=tech, estimated_hours=3, closed=True)
    (facts,) = build_tech_facts(now=timezone.now(), excluded_statuses=["Waiting for Customer"])
    assert (facts.workload.active_tickets, facts.workload.estimated_hours, facts.workload.weighted_hours) == (1, 2.0, 3.0)


@pytest.mark.django_db
def test_shifts_on_several_days_become_one_weekly_shift():
    tech = TechnicianFactory(timezone="America/New_York")
    for day in (0, 1, 2):
        Shift.objects.create(technician=tech, weekday=day, start=dt.time(22), end=dt.time(6))
    (facts,) = build_tech_facts(now=timezone.now(), excluded_statuses=[])
    assert [(s.days, s.start, s.end) for s in facts.schedule] == [((0, 1, 2), dt.time(22), dt.time(6))]


@pytest.mark.django_db
def test_logged_time_reduces_remaining_hours_but_never_below_zero():
    tech = TechnicianFactory()
    TicketFactory(assigned_to=tech, estimated_hours=4, actual_hours=1.5)
    TicketFactory(assigned_to=tech, estimated_hours=1, actual_hours=3)
    (facts,) = build_tech_facts(now=timezone.now(), excluded_statuses=[])
    assert facts.workload.estimated_hours == 2.5
