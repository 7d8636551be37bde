from __future__ import annotations

from typing import Any

from django.urls import reverse

from dispatch.models import DispatchSettings
from tests.ui.conftest import HX

URL = reverse("dispatch:settings")


def form_data(**changes: Any) -> dict[str, Any]:
    s = DispatchSettings.load()
    data: dict[str, Any] = {
        "dispatching_enabled": "on", "dispatching_mode": s.dispatching_mode, "max_tickets_per_technician": 10,
        "workload_calculation_method": "weighted", "workload_excluded_statuses": "Waiting for Customer",
        "sla_priority_weight": 0.5, "skill_match_threshold": 60, "preferred_tech_priority": "on",
        "below_threshold": s.below_threshold, "easy_work_cost_penalty": s.easy_work_cost_penalty,
        **({"senior_pull": "on"} if s.senior_pull else {}),
        "bh_timezone": "UTC", "bh_days": ["0", "1", "2", "3", "4"], "bh_start": "08:00", "bh_end": "18:00",
        "w_skill": 0.3, "w_availability": 0.25, "w_workload": 0.2, "w_performance": 0.15, "w_customer_preference": 0.1,
    }  # fmt: skip
    data.update(changes)
    return data


def test_save_stores_valid_settings(manager_client: Any) -> None:
    response = manager_client.post(URL, form_data(max_tickets_per_technician=7, action="save"))
    assert response.status_code == 302 and DispatchSettings.load().max_tickets_per_technician == 7


def test_the_seniority_and_cost_policy_is_a_desk_setting(manager_client: Any) -> None:
    data = form_data(easy_work_cost_penalty=0.25, action="save")
    data.pop("senior_pull")
    assert manager_client.post(URL, data).status_code == 302
    saved = DispatchSettings.load()
    assert (saved.easy_work_cost_penalty, saved.senior_pull) == (0.25, False)
    from django.utils import timezone

    from dispatch.facts import load_policy

    policy = load_policy(now=timezone.now())
    assert (policy.easy_work_cost_penalty, policy.senior_pull) == (0.25, False)
    page = manager_client.get(reverse("dispatch:rules")).content.decode()
    assert "Cost penalty on low-complexity work" in page and "Pull seniors onto Critical VIP work" in page


def test_an_out_of_range_cost_penalty_is_refused_naming_the_field(manager_client: Any) -> None:
    response = manager_client.post(URL, form_data(easy_work_cost_penalty=1.5, action="save"), headers=HX)
    assert response.status_code == 422 and b"less than or equal to 1" in response.content
    assert DispatchSettings.load().easy_work_cost_penalty == 0.5


def test_below_threshold_assignment_is_a_desk_setting(manager_client: Any) -> None:
    response = manager_client.post(URL, form_data(below_threshold="urgent", action="save"))
    assert response.status_code == 302 and DispatchSettings.load().below_threshold == "urgent"
    page = manager_client.get(reverse("dispatch:rules")).content.decode()
    assert '<option value="urgent" selected>Urgent only</option>' in page and "within 30 min of their SLA deadline" in page


def test_unknown_below_threshold_choice_is_rejected_and_changes_nothing(manager_client: Any) -> None:
    response = manager_client.post(URL, form_data(below_threshold="sometimes", action="save"), headers=HX)
    assert response.status_code == 422 and b"Select a valid choice" in response.content
    assert DispatchSettings.load().below_threshold == "always"


def test_weights_are_renormalised_like_the_what_if_sliders(manager_client: Any) -> None:
    sliders = {"w_skill": 60, "w_availability": 20, "w_workload": 10, "w_performance": 10, "w_customer_preference": 10}
    response = manager_client.post(URL, form_data(**sliders, action="save"))
    assert response.status_code == 302
    weights = DispatchSettings.load().weights
    assert weights["skill"] == round(60 / 110, 6) and abs(sum(weights.values()) - 1) < 1e-9


def test_all_weights_zero_is_refused_naming_the_field(manager_client: Any) -> None:
    zeros = {f"w_{f}": 0 for f in ("skill", "availability", "workload", "performance", "customer_preference")}
    response = manager_client.post(URL, form_data(**zeros, action="save"), headers=HX)
    assert response.status_code == 422 and b"Skills: At least one weight must be above 0." in response.content
    assert DispatchSettings.load().weights["skill"] == 0.3


def test_bad_time_zone_is_rejected(manager_client: Any) -> None:
    response = manager_client.post(URL, form_data(bh_timezone="Mars/Olympus", action="save"))
    assert response.status_code == 422 and b"business_hours.timezone: &quot;Mars/Olympus&quot; is not an IANA time zone" in response.content


def test_preview_compares_top_suggestions_without_saving(manager_client: Any, ticket: Any) -> None:
    response = manager_client.post(
        URL,
        form_data(
            w_skill=0.0,
            w_availability=0.0,
            w_workload=1.0,
            w_performance=0.0,
            w_customer_preference=0.0,
            action="preview",
        ),
        headers=HX,
    )
    assert response.status_code == 200 and b"Preview on the current queue" in response.content
    assert b"top suggestion" in response.content
    assert DispatchSettings.load().weights["workload"] == 0.2


def test_settings_edit_is_for_managers_only(dispatcher_client: Any) -> None:
    assert dispatcher_client.post(URL, form_data(action="save")).status_code == 403


def test_settings_edit_anonymous_goes_to_login(client: Any, db: Any) -> None:
    assert client.post(URL, {}).status_code == 302
