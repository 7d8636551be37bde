from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from dispatch.models import Assignment, OutboxState
from dispatch.services import decision_approve
from tests.ui.conftest import HX


@pytest.fixture
def failed(decision: Any, dispatcher: Any) -> Assignment:
    decision_approve(ticket=decision.ticket, user=dispatcher)
    assignment = Assignment.objects.get(decision=decision)
    Assignment.objects.filter(pk=assignment.pk).update(
        state=OutboxState.FAILED, attempts=5, last_error="HTTP 500 from PSA"
    )
    return assignment


def url(assignment: Any) -> str:
    return reverse("dispatch:retry", args=[assignment.pk])


def test_queue_lists_failed_pushes_with_a_retry_button(dispatcher_client: Any, failed: Any) -> None:
    page = dispatcher_client.get(reverse("dispatch:queue")).content.decode()
    assert "PSA_UPDATE_FAILED" in page and url(failed) in page


def test_retry_puts_the_row_back_in_line(dispatcher_client: Any, failed: Any) -> None:
    response = dispatcher_client.post(url(failed), headers=HX)
    assert response.status_code == 200 and "assignmentRetried" in response["HX-Trigger"]
    assert Assignment.objects.get(pk=failed.pk).state != OutboxState.FAILED


def test_retry_plain_post_redirects_to_next(dispatcher_client: Any, failed: Any) -> None:
    back = reverse("dispatch:decision", args=[failed.decision_id])
    response = dispatcher_client.post(url(failed), {"next": back})
    assert response["Location"] == back


def test_retry_of_a_row_that_is_not_failed_changes_nothing(dispatcher_client: Any, failed: Any) -> None:
    Assignment.objects.filter(pk=failed.pk).update(state=OutboxState.PUSHED)
    response = dispatcher_client.post(url(failed), follow=True)
    assert b"not waiting for a retry" in response.content


def test_retry_wrong_role_is_forbidden(norole_client: Any, failed: Any) -> None:
    assert norole_client.post(url(failed)).status_code == 403
    assert Assignment.objects.get(pk=failed.pk).state == OutboxState.FAILED


def test_retry_anonymous_goes_to_login(client: Any, failed: Any) -> None:
    assert client.post(url(failed)).status_code == 302
