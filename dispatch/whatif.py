"""What-if rankings: nothing here writes to the database.

- `whatif_rank` re-ranks one ticket with other weights, excluded technicians, another time
  or another strategy (the queue's what-if panel).
- `queue_preview` ranks the current open unassigned tickets under the saved settings and
  rules and under proposed ones, and lists the tickets whose top suggestion changes (the
  rules & settings page, before saving).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from dispatch import engine
from dispatch.documents import candidate_row
from dispatch.engine.types import FACTORS, Ranking
from dispatch.facts import (
    active_affinity_weights,
    build_tech_facts,
    open_unassigned_tickets,
    policy_from_settings,
    ticket_facts,
)
from dispatch.models import DispatchSettings, Rule, Ticket
from dispatch.services import ticket_rank
from dispatch.views_common import FAILURE_SHORT

PREVIEW_LIMIT = 50


@dataclass(frozen=True)
class WhatIf:
    weights: dict[str, float] | None = None
    exclude: tuple[str, ...] = ()
    as_of: datetime | None = None
    strategy: str | None = None


def normalise_weights(raw: dict[str, float]) -> dict[str, float]:
    """Sliders are relative: scale them to sum to 1 (all zero means equal weights)."""
    values = {f: max(0.0, float(raw.get(f, 0) or 0)) for f in FACTORS}
    total = sum(values.values())
    if total <= 0:
        return {f: round(1 / len(FACTORS), 4) for f in FACTORS}
    return {f: round(v / total, 4) for f, v in values.items()}


def ranking_rows(ranking: Ranking) -> list[dict[str, Any]]:
    """A Ranking's candidates in the shape of `Decision.candidates`."""
    return [candidate_row(c) for c in ranking.candidates]


@dataclass
class WhatIfResult:
    rows: list[dict[str, Any]]
    selected: str | None
    confidence: str
    confidence_value: float
    rules_applied: list[dict[str, Any]]
    error_code: str | None
    strategy: str
    weights: dict[str, float]
    as_of: datetime


def whatif_rank(ticket: Ticket, params: WhatIf) -> WhatIfResult:
    at = params.as_of or timezone.now()
    policy_overrides: dict[str, Any] = {}
    if params.weights:
        policy_overrides["weights"] = normalise_weights(params.weights)
    fact_overrides: dict[str, Any] = {"exclude": tuple(params.exclude)} if params.exclude else {}
    ranking, _facts, _techs, policy = ticket_rank(
        ticket,
        at=at,
        strategy=params.strategy or None,
        policy_overrides=policy_overrides,
        fact_overrides=fact_overrides,
    )
    return WhatIfResult(
        rows=ranking_rows(ranking),
        selected=ranking.selected,
        confidence=ranking.confidence,
        confidence_value=ranking.confidence_value,
        rules_applied=[
            {"rule": r.rule, "applied": r.applied, "impact": r.impact} for r in ranking.rules_applied
        ],
        error_code=ranking.error_code,
        strategy=ranking.strategy,
        weights=dict(policy.weights),
        as_of=at,
    )


# ---------------------------------------------------------------- rules & settings preview


@dataclass
class PreviewChange:
    ticket: Ticket
    before: str | None
    before_score: float | None
    after: str | None
    after_score: float | None
    before_error: str | None = None
    after_error: str | None = None

    @property
    def before_label(self) -> str:
        return FAILURE_SHORT.get(self.before_error or "", self.before_error or "none")

    @property
    def after_label(self) -> str:
        return FAILURE_SHORT.get(self.after_error or "", self.after_error or "none")


@dataclass
class Preview:
    compared: int
    total_open: int
    changes: list[PreviewChange] = field(default_factory=list)
    score_shift: float = 0.0  # mean change of the top score

    @property
    def unchanged(self) -> int:
        return self.compared - len(self.changes)


def _top(ranking: Ranking) -> tuple[str | None, float | None]:
    if ranking.selected is None:
        return None, None
    chosen = next((c for c in ranking.candidates if c.tech_id == ranking.selected), None)
    return (chosen.name if chosen else ranking.selected), (chosen.score if chosen else None)


def queue_preview(
    *,
    proposed_settings: DispatchSettings | None = None,
    proposed_rules: Iterable[Rule] | None = None,
    limit: int = PREVIEW_LIMIT,
    at: datetime | None = None,
) -> Preview:
    """Top suggestions for the most urgent `limit` open tickets, saved vs proposed."""
    at = at or timezone.now()
    current_settings = DispatchSettings.load()
    current_rules = list(Rule.objects.filter(enabled=True))
    new_settings = proposed_settings or current_settings
    new_rules = [r for r in (proposed_rules if proposed_rules is not None else current_rules) if r.enabled]
    affinity = active_affinity_weights()  # the same learned history on both sides
    before_policy = policy_from_settings(current_settings, current_rules, now=at, affinity_weights=affinity)
    after_policy = policy_from_settings(new_settings, new_rules, now=at, affinity_weights=affinity)
    before_techs = build_tech_facts(
        now=at, excluded_statuses=list(current_settings.workload_excluded_statuses)
    )
    same_load = list(new_settings.workload_excluded_statuses) == list(
        current_settings.workload_excluded_statuses
    )
    after_techs = (
        before_techs
        if same_load
        else build_tech_facts(now=at, excluded_statuses=list(new_settings.workload_excluded_statuses))
    )
    queue = open_unassigned_tickets()
    tickets = list(queue[:limit])
    preview = Preview(compared=len(tickets), total_open=queue.count())
    shifts = []
    for ticket in tickets:
        facts = ticket_facts(ticket)
        before = engine.rank(facts, before_techs, before_policy)
        after = engine.rank(facts, after_techs, after_policy)
        (b_name, b_score), (a_name, a_score) = _top(before), _top(after)
        if b_score is not None and a_score is not None:
            shifts.append(a_score - b_score)
        if before.selected != after.selected or before.error_code != after.error_code:
            preview.changes.append(
                PreviewChange(ticket, b_name, b_score, a_name, a_score, before.error_code, after.error_code)
            )
    preview.score_shift = round(sum(shifts) / len(shifts), 1) if shifts else 0.0
    return preview
