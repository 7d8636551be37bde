"""Switchboard's dispatch engine: pure Python (no Django), deterministic, explainable.

    rank(ticket, techs, policy, strategy=None, table=None) -> Ranking
    rank_batch(tickets, techs, policy, optimise=True, table=None) -> list[Ranking]
    plan_batch(tickets, techs, policy, table, optimise=True) -> list[Planned]  (explained on demand)
    batch_total_score(rankings) -> float

See docs/engine.md for the factors, strategies, rules, error codes and the batch optimiser.
"""

from __future__ import annotations

from .availability import in_business_hours, is_available, next_available
from .batch import Planned, batch_total_score, plan_batch, rank_batch, urgency_order
from .explain import ERROR_MESSAGES, RECOMMENDED_ACTIONS
from .factors import skill_match, sla_risk, sla_urgency
from .ranking import rank
from .rules import rule_matches, validate_rule

ENGINE_VERSION = "engine-1.1"

__all__ = [
    "ENGINE_VERSION",
    "ERROR_MESSAGES",
    "RECOMMENDED_ACTIONS",
    "batch_total_score",
    "in_business_hours",
    "is_available",
    "next_available",
    "rank",
    "rank_batch",
    "plan_batch",
    "Planned",
    "rule_matches",
    "skill_match",
    "sla_risk",
    "sla_urgency",
    "urgency_order",
    "validate_rule",
]
