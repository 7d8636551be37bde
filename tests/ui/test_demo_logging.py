"""A refused request is logged once, on one line (no traceback); an error keeps its traceback."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from config.logfilters import ForbiddenOneLine


def _console() -> logging.Handler:
    return next(h for h in logging.getLogger().handlers if any(isinstance(f, ForbiddenOneLine) for f in h.filters))


@pytest.mark.django_db
def test_a_403_is_one_log_line_without_traceback(client: Any, dispatcher: Any, caplog: Any) -> None:
    client.force_login(dispatcher)
    response = client.get("/rules/")  # a manager's page
    assert response.status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    console = _console()
    assert console.filter(record)
    assert console.format(record).endswith("WARNING django.request Forbidden (Permission denied): /rules/")
    # Only the root's handler writes it: Django's own console handler on "django" is gone.
    assert logging.getLogger("django").handlers == [] and logging.getLogger("django.request").handlers == []


def test_a_500_keeps_its_traceback(caplog: Any) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("django.request").error("Internal Server Error: /x/", exc_info=True, extra={"status_code": 500})
    (record,) = caplog.records
    console = _console()
    assert console.filter(record)
    text = console.format(record)
    assert "Traceback" in text and "ValueError: boom" in text
