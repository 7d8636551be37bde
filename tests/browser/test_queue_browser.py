"""End to end: the dispatcher's queue in a real browser."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from dispatch.models import Decision
from tests.factories import TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def row(page: Any, ticket: Any) -> Any:
    return page.locator(f"#t-{ticket.pk}")


def test_approve_top_suggestion(open_as: Any, desk: dict[str, Any]) -> None:
    page = open_as(desk["dana"])
    row(page, desk["ticket"]).locator("[data-action=approve]").click()
    expect(row(page, desk["ticket"])).to_contain_text("Assigned to Alice Expert")
    assert Decision.objects.get(pk=desk["decision"].pk).status == "approved"


def test_override_asks_for_a_reason(open_as: Any, desk: dict[str, Any]) -> None:
    page = open_as(desk["dana"])
    r = row(page, desk["ticket"])
    r.locator("[data-action=toggle]").click()
    r.locator("tr.cand[data-tech=tech-carol] [data-action=choose]").click()
    reason = r.locator("textarea[name=reason]")
    expect(reason).to_be_focused()
    reason.fill("Alice is in a customer meeting all afternoon")
    r.locator("[data-action=override]").click()
    expect(r).to_contain_text("Assigned to Carol Middle")
    decision = Decision.objects.get(pk=desk["decision"].pk)
    assert (decision.status, decision.override_reason) == (
        "overridden",
        "Alice is in a customer meeting all afternoon",
    )


def test_filter_narrows_the_queue(open_as: Any, desk: dict[str, Any]) -> None:
    other = TicketFactory(external_id="7002", subject="Printer jam", priority="Low")
    page = open_as(desk["dana"])
    expect(row(page, other)).to_be_visible()
    page.select_option("#id_priority", "High")
    expect(row(page, other)).to_have_count(0)
    expect(row(page, desk["ticket"])).to_be_visible()
    assert "priority=High" in page.url


def test_search_box_is_slash_away(open_as: Any, desk: dict[str, Any]) -> None:
    TicketFactory(external_id="7003", subject="VPN drops every hour")
    page = open_as(desk["dana"])
    page.keyboard.press("/")
    page.keyboard.type("vpn")
    expect(row(page, desk["ticket"])).to_have_count(0)
    expect(page.locator("#queue-table")).to_contain_text("VPN drops every hour")


def test_new_ticket_arrives_without_reload(open_as: Any, desk: dict[str, Any]) -> None:
    page = open_as(desk["dana"])
    page.evaluate("window.__noReload = true")
    new = TicketFactory(external_id="7099", subject="Brand new ticket")
    expect(row(page, new)).to_be_visible(timeout=12_000)
    assert page.evaluate("window.__noReload") is True


def test_polling_keeps_the_filters_and_the_expanded_row(open_as: Any, desk: dict[str, Any]) -> None:
    page = open_as(desk["dana"], "/queue/?priority=High")
    r = row(page, desk["ticket"])
    r.locator("[data-action=toggle]").click()
    expect(r.locator(".cands")).to_be_visible()
    high = TicketFactory(external_id="7100", subject="Another high one", priority="High")
    low = TicketFactory(external_id="7101", subject="A low one", priority="Low")
    expect(row(page, high)).to_be_visible(timeout=12_000)
    expect(row(page, low)).to_have_count(0)
    expect(r.locator(".cands")).to_be_visible()


def test_approved_ticket_leaves_other_dispatchers_queue(open_as: Any, desk: dict[str, Any]) -> None:
    watcher = open_as(desk["sam"])
    approver = open_as(desk["dana"])
    row(approver, desk["ticket"]).locator("[data-action=approve]").click()
    expect(row(approver, desk["ticket"])).to_contain_text("Assigned to")
    expect(row(watcher, desk["ticket"])).to_have_count(0, timeout=12_000)


def test_second_dispatcher_sees_who_won(open_as: Any, desk: dict[str, Any]) -> None:
    sam = open_as(desk["sam"])
    dana = open_as(desk["dana"])
    sam.evaluate("Queue.canPoll = () => false")  # Sam's page is a few seconds stale
    row(dana, desk["ticket"]).locator("[data-action=approve]").click()
    expect(row(dana, desk["ticket"])).to_contain_text("Assigned to Alice Expert")
    row(sam, desk["ticket"]).locator("[data-action=approve]").click()
    expect(row(sam, desk["ticket"])).to_contain_text("Already assigned to Alice Expert by dana")
    assert Decision.objects.filter(ticket=desk["ticket"], status="approved").count() == 1


def test_keyboard_select_expand_and_approve(open_as: Any, desk: dict[str, Any]) -> None:
    page = open_as(desk["dana"])
    page.keyboard.press("j")
    expect(row(page, desk["ticket"])).to_have_class("ticket is-selected")
    page.keyboard.press("Enter")
    expect(row(page, desk["ticket"]).locator(".cands")).to_be_visible()
    page.keyboard.press("a")
    expect(row(page, desk["ticket"])).to_contain_text("Assigned to Alice Expert")


def test_question_mark_shows_the_shortcuts(open_as: Any, desk: dict[str, Any]) -> None:
    page = open_as(desk["dana"])
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    expect(page.locator("#shortcuts")).to_contain_text("Approve the top suggestion")


def test_sla_countdown_ticks_in_the_browser(open_as: Any, desk: dict[str, Any]) -> None:
    page = open_as(desk["dana"])
    desk["ticket"].sla_due = desk["ticket"].created_at + timedelta(minutes=20)
    desk["ticket"].save()
    page.reload()
    sla = row(page, desk["ticket"]).locator("time.sla")
    expect(sla).to_have_text(re.compile(r"^1\dm \d\ds$"))  # JS rewrote the server's "19m"
    first = sla.inner_text()
    expect(sla).not_to_have_text(first, timeout=3000)
    expect(sla).to_have_class("sla sla-risk")  # under 30 minutes left


def test_keyboard_override_asks_for_a_reason(open_as: Any, desk: dict[str, Any]) -> None:
    page = open_as(desk["dana"])
    page.keyboard.press("j")
    page.keyboard.press("o")
    r = row(page, desk["ticket"])
    picker = r.locator("select[name=technician_id]")
    expect(picker).to_be_focused()
    picker.select_option("tech-carol")
    r.locator("[data-action=override]").click()  # no reason yet: the browser refuses to send it
    expect(r.locator("textarea[name=reason]")).to_be_focused()
    assert Decision.objects.get(pk=desk["decision"].pk).status == "suggested"
    r.locator("textarea[name=reason]").fill("Carol is on site today")
    r.locator("[data-action=override]").click()
    expect(r).to_contain_text("Assigned to Carol Middle")


def test_a_half_typed_reason_survives_polling(open_as: Any, desk: dict[str, Any]) -> None:
    page = open_as(desk["dana"])
    r = row(page, desk["ticket"])
    r.locator("[data-action=toggle]").click()
    r.locator("textarea[name=reason]").fill("Customer asked for")
    page.locator("h1").click()  # focus leaves the field, so polling resumes
    new = TicketFactory(external_id="7102", subject="Arrives during typing")
    expect(row(page, new)).to_be_visible(timeout=12_000)
    expect(r.locator("textarea[name=reason]")).to_have_value("Customer asked for")
    expect(r.locator(".toggle")).to_have_attribute("aria-expanded", "true")


def test_psa_failure_shows_with_a_retry_button(open_as: Any, desk: dict[str, Any]) -> None:
    from dispatch.models import Assignment, OutboxState
    from dispatch.services import decision_approve

    decision_approve(ticket=desk["ticket"], user=desk["dana"])
    Assignment.objects.filter(ticket=desk["ticket"]).update(
        state=OutboxState.FAILED, attempts=5, last_error="HTTP 503 from PSA"
    )
    page = open_as(desk["sam"])
    panel = page.locator("#psa-failures")
    expect(panel).to_contain_text("PSA_UPDATE_FAILED")
    expect(panel).to_contain_text("HTTP 503 from PSA")
    panel.get_by_role("button", name="Retry").click()
    expect(page.locator("#toasts")).to_contain_text("Retrying the PSA update of #7001")
    expect(panel.get_by_role("button", name="Retry")).to_have_count(0)
    assert Assignment.objects.get(ticket=desk["ticket"]).state != OutboxState.FAILED


def test_an_expired_session_sends_the_page_to_the_login_form(open_as: Any, desk: dict[str, Any]) -> None:
    page = open_as(desk["dana"], "/queue/?priority=High")
    page.context.clear_cookies()  # as if the session expired while the queue was open
    page.wait_for_url("**/accounts/login/?next=/queue/%3Fpriority%3DHigh", timeout=12_000)
    expect(page.locator("#queue-table")).to_have_count(0)


def test_j_and_k_move_the_selection(open_as: Any, desk: dict[str, Any]) -> None:
    later = TicketFactory(
        external_id="7103", subject="Less urgent", sla_due=desk["ticket"].sla_due + timedelta(hours=4)
    )
    page = open_as(desk["dana"])
    for key, selected in (("j", desk["ticket"]), ("j", later), ("j", later), ("k", desk["ticket"])):
        page.keyboard.press(key)
        expect(row(page, selected)).to_have_class(re.compile(r"\bis-selected\b"))
    expect(page.locator("tbody.ticket.is-selected")).to_have_count(1)


def test_a_technician_calling_in_sick_strands_their_tickets_on_the_open_queue(
    open_as: Any, desk: dict[str, Any]
) -> None:
    from django.utils import timezone

    from skills.models import TimeOff

    alice = desk["alice"]
    page = open_as(desk["dana"])
    held = TicketFactory(
        external_id="7300", subject="Shared mailbox missing", assigned_to=alice, status="Assigned",
        sla_due=timezone.now() + timedelta(hours=3),
    )  # fmt: skip
    panel = page.locator("#stranded")
    expect(panel).to_be_hidden()
    now = timezone.now()
    TimeOff.objects.create(technician=alice, start=now - timedelta(minutes=5), end=now + timedelta(days=1), reason="Sick")
    expect(panel).to_be_visible(timeout=12_000)  # the 5-second poll, no reload
    expect(panel).to_contain_text(f"#{held.external_id}")
    expect(panel).to_contain_text(f"{alice.name}, on time off")
    panel.locator(f"a[href$='/queue/{held.pk}/']").click()
    expect(page.locator("#stranded-notice")).to_contain_text(f"{alice.name} is on time off until")
    # Reassign it from the page: the engine's choice without Alice is preselected.
    form = page.locator("#reassign")
    expect(form.locator("select[name=technician_id]")).to_have_value(desk["carol"].external_id)
    form.locator("button[type=submit]").click()  # no reason yet: the browser refuses
    expect(page.locator("#stranded-notice")).to_be_visible()
    form.locator("textarea[name=reason]").fill("Alice is off sick today")
    form.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text(f"#{held.external_id} reassigned to {desk['carol'].name}")
    expect(page.locator("#stranded-notice")).to_have_count(0)
    held.refresh_from_db()
    assert held.assigned_to == desk["carol"]


def _sick(tech: Any) -> None:
    from django.utils import timezone

    from skills.models import TimeOff

    now = timezone.now()
    TimeOff.objects.create(technician=tech, start=now - timedelta(minutes=5), end=now + timedelta(days=1), reason="Sick")


def test_sick_leave_entered_while_the_queue_is_open_changes_the_row_within_a_poll(
    open_as: Any, desk: dict[str, Any], eager: None
) -> None:
    page = open_as(desk["dana"])
    approve = row(page, desk["ticket"]).locator("[data-action=approve]")
    expect(approve).to_have_attribute("title", re.compile("Alice Expert"))
    _sick(desk["alice"])  # a manager enters it elsewhere; the re-rank runs after the commit
    expect(approve).to_have_attribute("title", re.compile("Carol Middle"), timeout=12_000)  # one poll, no reload
    approve.click()
    expect(row(page, desk["ticket"])).to_contain_text("Assigned to Carol Middle")
    desk["ticket"].refresh_from_db()
    assert desk["ticket"].assigned_to == desk["carol"]


def test_approve_never_assigns_the_absent_technician_before_the_re_rank_lands(
    open_as: Any, desk: dict[str, Any]
) -> None:
    page = open_as(desk["dana"])
    r = row(page, desk["ticket"])
    _sick(desk["alice"])  # no worker here: the row is marked until its new ranking arrives
    expect(r).to_contain_text("re-ranking…", timeout=12_000)
    r.locator("[data-action=approve]").click()
    expect(r).to_contain_text("The suggestion changed before approval (Alice Expert is on time off (Sick)")
    expect(r.locator("[data-action=approve]")).to_have_attribute("title", re.compile("Carol Middle"))
    desk["ticket"].refresh_from_db()
    assert desk["ticket"].assigned_to is None
