"""One time-off entry per real absence, whatever its sources (workspace import, entered here, the
PSA's people sync), per vendor over HTTP against the simulators."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from psa import sync
from psa.models import PsaConnection
from skills.models import Technician, TimeOff
from tests.psa.conftest import VACATION_END, VACATION_START


def sarah() -> Technician:
    # As imported from the workspace: the people sync maps the member to it by identifier.
    return Technician.objects.create(external_id="tech-456", name="Sarah Johnson", timezone="America/New_York")


def vacation(tech: Technician) -> list[TimeOff]:
    return list(TimeOff.objects.filter(technician=tech, start__lt=VACATION_END, end__gt=VACATION_START))


def test_imported_time_off_the_psa_reports_too_is_one_entry(connection: PsaConnection) -> None:
    tech = sarah()
    # The workspace said working hours; the PSA keeps the same vacation in its own terms.
    TimeOff.objects.create(technician=tech, start=VACATION_START + timedelta(hours=9),
                           end=VACATION_END - timedelta(hours=7), reason="vacation")  # fmt: skip

    sync.people_sync(connection_id=connection.pk)
    sync.people_sync(connection_id=connection.pk)

    (entry,) = vacation(tech)
    assert entry.source == f"psa:{connection.pk}"
    assert (entry.start, entry.end) == (VACATION_START, VACATION_END)


def test_duplicates_left_by_earlier_syncs_collapse_into_one(connection: PsaConnection) -> None:
    tech = sarah()
    TimeOff.objects.create(technician=tech, start=VACATION_START, end=VACATION_END, reason="imported")
    TimeOff.objects.create(technician=tech, start=VACATION_START + timedelta(hours=1), end=VACATION_END,
                           reason="synced", source=f"psa:{connection.pk}")  # fmt: skip

    result = sync.people_sync(connection_id=connection.pk)

    assert len(vacation(tech)) == 1 and result.time_off_removed == 1


def test_time_off_the_psa_does_not_report_stays_separate(connection: PsaConnection) -> None:
    tech = sarah()
    dentist = TimeOff.objects.create(technician=tech, start=VACATION_START - timedelta(days=3),
                                     end=VACATION_START - timedelta(days=3, hours=-2), reason="dentist")  # fmt: skip

    sync.people_sync(connection_id=connection.pk)

    assert TimeOff.objects.filter(pk=dentist.pk, source="").exists()
    assert len(vacation(tech)) == 1


def test_the_schedules_page_lists_the_absence_once(connection: PsaConnection, manager: Any, client: Client) -> None:
    tech = sarah()
    TimeOff.objects.create(technician=tech, start=VACATION_START + timedelta(hours=9),
                           end=VACATION_END - timedelta(hours=7), reason="vacation")  # fmt: skip
    sync.people_sync(connection_id=connection.pk)
    client.force_login(manager)
    week = timezone.localdate(VACATION_START)

    page = client.get(reverse("skills:schedules"), {"week": week.isoformat()}).content.decode()

    assert page.count("<strong>Sarah Johnson</strong>") == 1
