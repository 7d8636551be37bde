"""Every view of the dispatch, skills and accounts apps, resolved from the URLconf so that a
new view is checked the day it is added: anonymous -> login, no role -> 403, dispatcher ->
403 on managers' views, manager -> the page (or 405 for a GET on a POST-only view)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from dispatch.models import Assignment, Decision, Rule, Ticket
from dispatch.services import decision_approve
from skills.models import OnCall, TechnicianSkill, TimeOff
from tests.factories import RuleFactory, TicketFactory
from tests.ui.conftest import HX

APPS = ("dispatch", "skills", "accounts")
PUBLIC = {"accounts:login", "accounts:logout"}
MANAGER_ONLY = {
    "dispatch:autoassign",
    "dispatch:batch",
    "dispatch:autoassign_update",
    "dispatch:rules",
    "dispatch:settings",
    "dispatch:rule_new",
    "dispatch:rule",
    "dispatch:workspace_import",
    "dispatch:workspace_export",
    "dispatch:learned",
    "dispatch:learned_review",
    "dispatch:learned_weights",
    "skills:matrix",
    "skills:level",
    "skills:schedules",
    "skills:timeoff_create",
    "skills:timeoff_delete",
    "skills:oncall_create",
    "skills:oncall_delete",
}
# Signed-in GETs that answer with a redirect rather than a page.
REDIRECTS = {"dispatch:home": "dispatch:queue"}


def _walk(patterns: list[Any], namespace: str | None) -> list[tuple[str, tuple[str, ...]]]:
    found: list[tuple[str, tuple[str, ...]]] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            found += _walk(p.url_patterns, p.namespace or namespace)
        elif isinstance(p, URLPattern) and namespace in APPS:
            assert p.name, f"an unnamed URL in {namespace} ({p.pattern}) cannot be checked"
            found.append((f"{namespace}:{p.name}", tuple(p.pattern.converters)))
    return found


VIEWS = _walk(get_resolver().url_patterns, None)


def test_the_walk_finds_every_app_and_the_lists_name_real_views() -> None:
    names = {name for name, _ in VIEWS}
    assert {n.split(":")[0] for n in names} == set(APPS)
    assert (MANAGER_ONLY | PUBLIC | set(REDIRECTS)) <= names


@pytest.fixture
def url_kwargs(decision: Decision, alice: Any, skill: Any, category: Any, dispatcher: Any) -> dict[str, int]:
    taken = TicketFactory(external_id="5002", category=category)
    decision_approve(ticket=taken, user=dispatcher, technician_id=alice.external_id)
    now = timezone.now()
    return {
        "ticket_id": decision.ticket_id,
        "decision_id": decision.pk,
        "assignment_id": Assignment.objects.get(ticket=taken).pk,
        "category_id": category.pk,
        "rule_id": RuleFactory().pk,
        "technician_id": alice.pk,
        "skill_id": skill.pk,
        "timeoff_id": TimeOff.objects.create(technician=alice, start=now, end=now + timedelta(days=1)).pk,
        "oncall_id": OnCall.objects.create(technician=alice, start=now, end=now + timedelta(hours=8)).pk,
    }


def _state() -> tuple[Any, ...]:
    return (
        list(Decision.objects.order_by("pk").values_list("pk", "status")),
        list(Ticket.objects.order_by("pk").values_list("pk", "assigned_to_id")),
        list(Assignment.objects.order_by("pk").values_list("pk", "state")),
        Rule.objects.count(),
        TimeOff.objects.count(),
        OnCall.objects.count(),
        TechnicianSkill.objects.count(),
    )


@pytest.mark.parametrize(("name", "params"), VIEWS, ids=[name for name, _ in VIEWS])
def test_every_view_enforces_its_role(
    name: str,
    params: tuple[str, ...],
    url_kwargs: dict[str, int],
    client: Client,
    norole_client: Client,
    dispatcher_client: Client,
    manager_client: Client,
) -> None:
    missing = [p for p in params if p not in url_kwargs]
    assert not missing, f"{name}: add an object for {missing} to the url_kwargs fixture"
    url = reverse(name, kwargs={p: url_kwargs[p] for p in params})
    if name in PUBLIC:
        assert client.get(url).status_code in (200, 405)
        assert client.post(url).status_code in (200, 302)
        return
    login = reverse("accounts:login")
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302 and response["Location"].startswith(login), method
        response = method(url, headers={**HX, "HX-Current-URL": "http://testserver/queue/?priority=High"})
        assert response["HX-Redirect"] == f"{login}?next=/queue/%3Fpriority%3DHigh", method
    denied = [norole_client] + ([dispatcher_client] if name in MANAGER_ONLY else [])
    before = _state()
    for c in denied:
        assert c.get(url).status_code == 403
        assert c.get(url, headers=HX).status_code == 403
        assert c.post(url, headers=HX).status_code == 403
    assert _state() == before, "a forbidden request changed something"
    allowed = [manager_client] + ([] if name in MANAGER_ONLY else [dispatcher_client])
    for c in allowed:
        response = c.get(url)
        if name in REDIRECTS:
            assert response.status_code == 302 and response["Location"] == reverse(REDIRECTS[name])
        else:
            assert response.status_code in (200, 405), response.status_code
