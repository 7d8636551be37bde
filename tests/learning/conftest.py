from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dispatch.workspace.importer import workspace_import

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
TEXTS = {
    "Email Support": ("Outlook keeps asking for password", "Mailbox sync fails in Outlook after the update"),
    "Network": ("VPN drops every few minutes", "Office wifi is down and the switch shows errors"),
    "Printers": ("Printer offline on floor 2", "Toner error and paper jam on the office printer"),
}
SPECIALIST = {"Email Support": "tech-emma", "Network": "tech-nate", "Printers": "tech-pat"}


# Weights a desk set against what its history shows: nearly all on the track record, where the
# specialists' poor one (late, reopened, unhappy customers) ranks the idle technicians' neutral
# "no record" first (the weight fit's tests: the fit should move weight back to skill).
PERF_HEAVY = {
    "skill": 0.05,
    "availability": 0.10,
    "workload": 0.10,
    "performance": 0.70,
    "customer_preference": 0.05,
}


def small_workspace(n: int = 45) -> dict[str, Any]:
    """Three specialists, three categories with text, one ticket every 3 hours."""
    history = []
    for i in range(n):
        category = list(TEXTS)[i % 3]
        opened = T0 + timedelta(hours=3 * i)
        history.append(
            {
                "ticket_id": f"h{i}",
                "subject": TEXTS[category][i % 2],
                "description": f"{TEXTS[category][(i + 1) % 2]} #{i}",
                "category": category,
                "priority": "Medium",
                "company": "acme",
                "board": "Service Desk",
                "resolved_by": SPECIALIST[category],
                "opened_at": opened.isoformat(),
                "first_response_at": (opened + timedelta(minutes=20)).isoformat(),
                "resolved_at": (opened + timedelta(hours=2)).isoformat(),
                "csat": 4 + i % 2,
                "reopened": False,
                "met_sla": True,
            }
        )
    techs = [{"id": t, "name": t.split("-")[1].title()} for t in SPECIALIST.values()] + [
        {"id": "tech-idle", "name": "Idle"}
    ]
    return {"technicians": techs, "companies": [{"id": "acme", "name": "Acme"}], "history": history}


@pytest.fixture
def desk(db: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.MODEL_DIR = tmp_path / "models"
    doc = small_workspace()
    workspace_import(doc)
    return doc
