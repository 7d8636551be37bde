"""End to end: the what-if panel re-ranks without saving."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from dispatch.models import Decision

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_whatif(page: Any, ticket: Any) -> Any:
    r = page.locator(f"#t-{ticket.pk}")
    r.locator("[data-action=toggle]").click()
    r.locator("[data-action=whatif]").click()
    expect(r.locator(".whatif-form")).to_be_visible()
    return r


def test_moving_the_workload_slider_changes_the_top(open_as: Any, desk: dict[str, Any]) -> None:
    page = open_as(desk["dana"])
    r = open_whatif(page, desk["ticket"])
    expect(r.locator("[data-whatif-top]")).to_have_attribute("data-whatif-top", "tech-alice")
    r.locator("input[data-weight=workload]").fill("100")
    expect(r.locator("input[data-weight=skill]")).to_have_value("0")  # the others renormalise
    expect(r.locator("[data-whatif-top]")).to_have_attribute("data-whatif-top", "tech-carol")
    expect(r.locator(".whatif-summary")).to_contain_text("changed from Alice Expert")
    assert Decision.objects.filter(ticket=desk["ticket"]).count() == 1


def test_excluding_the_top_technician(open_as: Any, desk: dict[str, Any]) -> None:
    page = open_as(desk["dana"])
    r = open_whatif(page, desk["ticket"])
    r.locator("select[name=exclude]").select_option("tech-alice")
    expect(r.locator("[data-whatif-top]")).to_have_attribute("data-whatif-top", "tech-carol")
    assert Decision.objects.get(pk=desk["decision"].pk).status == "suggested"


def test_setting_a_time_moves_the_ranking(open_as: Any, desk: dict[str, Any]) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from skills.models import TimeOff

    tomorrow = (timezone.now() + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    TimeOff.objects.create(technician=desk["alice"], start=tomorrow, end=tomorrow + timedelta(days=1))
    page = open_as(desk["dana"])
    r = open_whatif(page, desk["ticket"])
    expect(r.locator("[data-whatif-top]")).to_have_attribute("data-whatif-top", "tech-alice")
    r.locator("input[name=as_of]").fill(f"{tomorrow:%Y-%m-%d}T12:00")
    expect(r.locator("[data-whatif-top]")).to_have_attribute("data-whatif-top", "tech-carol")
    expect(r.locator(".whatif-summary")).to_contain_text("changed from Alice Expert")
    assert Decision.objects.filter(ticket=desk["ticket"]).count() == 1


def test_choosing_from_the_whatif_ranking_is_an_override(open_as: Any, desk: dict[str, Any]) -> None:
    page = open_as(desk["dana"])
    r = open_whatif(page, desk["ticket"])
    r.locator("select[name=exclude]").select_option("tech-alice")
    expect(r.locator("[data-whatif-top]")).to_have_attribute("data-whatif-top", "tech-carol")
    r.locator(".whatif-results tr.cand[data-tech=tech-carol] [data-action=choose]").click()
    expect(r.locator("textarea[name=reason]")).to_be_focused()
    expect(r.locator("select[name=technician_id]")).to_have_value("tech-carol")
    r.locator("textarea[name=reason]").fill("Alice is off sick")
    r.locator("[data-action=override]").click()
    expect(r).to_contain_text("Assigned to Carol Middle")
    decision = Decision.objects.get(pk=desk["decision"].pk)
    assert (decision.status, decision.assigned.external_id) == ("overridden", "tech-carol")


def test_w_on_a_collapsed_row_opens_the_whatif_inside_the_queue(open_as: Any, desk: dict[str, Any]) -> None:
    page = open_as(desk["dana"])
    r = page.locator(f"#t-{desk['ticket'].pk}")
    page.keyboard.press("j")
    expect(r).to_have_class("ticket is-selected")
    page.keyboard.press("w")
    expect(r.locator(".whatif-form")).to_be_visible()
    expect(r.locator("[data-whatif-top]")).to_have_attribute("data-whatif-top", "tech-alice")
    assert page.url.endswith("/queue/")
