"""A sick day entered in the PSA strands its technician's tickets here, and removing the owner
in the PSA sends the ticket back to dispatch: over HTTP against each vendor's simulator."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.models import Decision, Ticket
from dispatch.stranded import stranded_tickets
from psa import sync
from psa.models import PsaConnection
from skills.models import Shift, Technician
from tests.psa_django.conftest import Sim

pytestmark = pytest.mark.django_db


def test_a_sick_day_in_the_psa_strands_the_ticket_until_its_owner_is_removed(
    connection: PsaConnection, sim: Sim
) -> None:
    now = timezone.now()
    sim.update_ticket("12346", sla_due=(now + timedelta(hours=3)).isoformat())  # owned by tech-789
    sync.people_sync(connection_id=connection.pk)
    sync.tickets_sync(connection_id=connection.pk)
    owner = Technician.objects.get(external_id="tech-789")
    Shift.objects.filter(technician=owner).delete()  # on shift around the clock: only time off can strand
    assert Ticket.objects.get(external_id="12346").assigned_to == owner
    assert stranded_tickets(timezone.now()) == []

    response = sim.http.post(
        "/_sim/time_off",
        json={"member": "tech-789", "start": (now - timedelta(hours=1)).isoformat(),
              "end": (now + timedelta(days=2)).isoformat(), "reason": "Sick"},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    sync.people_sync(connection_id=connection.pk)
    Shift.objects.filter(technician=owner).delete()
    (found,) = stranded_tickets(timezone.now())
    assert (found.ticket.external_id, found.technician, found.status) == ("12346", owner, "time_off")

    sim.update_ticket("12346", assigned_to=None)  # the dispatcher releases it in the PSA
    sync.tickets_sync(connection_id=connection.pk)
    ticket = Ticket.objects.get(external_id="12346")
    assert ticket.assigned_to is None and stranded_tickets(timezone.now()) == []
    assert Decision.objects.filter(ticket=ticket, initiated_by="psa:rejected").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"member": "nobody", "start": "2026-06-01T08:00:00Z", "end": "2026-06-02T08:00:00Z"}, "member"),
        ({"member": "tech-789", "start": "soon", "end": "2026-06-02T08:00:00Z"}, "start and end"),
        ({"member": "tech-789", "start": "2026-06-02T08:00:00Z", "end": "2026-06-01T08:00:00Z"}, "end"),
    ],
)
def test_bad_time_off_is_refused_by_the_simulator_naming_the_field(sim: Sim, body: dict, field: str) -> None:
    before = sim.http.get("/_sim/time_off").json()["time_off"]
    response = sim.http.post("/_sim/time_off", json=body)
    assert response.status_code == 400 and field in response.text
    assert sim.http.get("/_sim/time_off").json()["time_off"] == before
