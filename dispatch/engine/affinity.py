"""History affinity: how likely each technician is to be the one who resolves this ticket,
from a conditional logit fitted on past tickets (`dispatch.learning.affinity`, run by
`train_models` and, with no peeking, by the replay).

Pure Python over the technicians' facts, so production (`dispatch.facts` -> `Policy`), the
replay and the simulator compute it the same way. Only history features: availability and
workload are the engine's own factors, and a fitted weight on workload says busy people are
*more* likely to resolve the next ticket, which a dispatcher balancing load does not want.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .factors import current_counts
from .types import TechFacts, TicketFacts

AFFINITY_FEATURES: tuple[str, ...] = (
    "category",  # log(1 + decayed resolved on the category at the current share, factors.current_counts)
    "category_share",  # that count as a share of everyone's on the category
    "board",  # log(1 + decayed resolved on the ticket's board)
    "company",  # log(1 + tickets resolved for the ticket's company)
    "overall",  # log(1 + decayed resolved overall)
    "active_this_week",  # log(1 + resolved in the last 7 days)
)


def affinity_features(techs: Sequence[TechFacts], ticket: TicketFacts) -> list[list[float]]:
    """One feature row per technician (AFFINITY_FEATURES order)."""
    rows: list[list[float]] = []
    cats = [t.experience.get(ticket.category) if ticket.category else None for t in techs]
    cat_counts = current_counts(
        [max(0.0, c.resolved) if c is not None else 0.0 for c in cats],
        [max(0, c.resolved_this_week) if c is not None and c.resolved > 0 else 0 for c in cats],
    )
    for t, n_cat in zip(techs, cat_counts, strict=True):
        board = t.board_experience.get(ticket.board) if ticket.board else None
        comp = t.company_history.get(ticket.company_id) if ticket.company_id else None
        overall = t.experience.get("*")
        rows.append(
            [
                math.log1p(n_cat),
                0.0,
                math.log1p(max(0.0, board.resolved)) if board is not None else 0.0,
                math.log1p(max(0, comp.tickets)) if comp is not None else 0.0,
                math.log1p(max(0.0, overall.resolved)) if overall is not None else 0.0,
                math.log1p(max(0, overall.resolved_this_week)) if overall is not None else 0.0,
            ]
        )
    total = sum(cat_counts)
    if total > 0:
        for row, n in zip(rows, cat_counts, strict=True):
            row[1] = n / total
    return rows


def affinities(
    techs: Sequence[TechFacts], ticket: TicketFacts, weights: Sequence[float]
) -> list[float] | None:
    """Per technician, 0..1: their fitted probability of resolving the ticket relative to the
    likeliest technician's (1 for the likeliest), among those whom history shows on this kind of
    work (its category, board or company). A technician it does not show there gets NaN: history
    says nothing about them (the engine treats it as neutral and cites no history), whatever their
    overall volume. None when history says nothing about anyone here, or the weights do not fit."""
    if len(weights) != len(AFFINITY_FEATURES) or not techs:
        return None
    rows = affinity_features(techs, ticket)
    shown = [row[0] > 0 or row[2] > 0 or row[3] > 0 for row in rows]
    if not any(shown):
        return None
    scores = [sum(w * x for w, x in zip(weights, row, strict=True)) for row in rows]
    top = max(s for s, ok in zip(scores, shown, strict=True) if ok)
    return [math.exp(s - top) if ok else math.nan for s, ok in zip(scores, shown, strict=True)]


AFFINITY_BLEND = 0.5  # default share of the skill factor given to history affinity (Policy.affinity_blend)


NEUTRAL_AFFINITY = 0.5  # at most, for a technician history does not show on this kind of work


def silent_affinity(found: Sequence[float]) -> float:
    """What a technician history is silent on counts as: no more than the least likely technician
    it does show on the work (no evidence never outranks some evidence: on a desk where a team
    owns each kind of work, neutral 0.5 put every stranger above the runners-up), and no more
    than neutral (no evidence is never the likeliest)."""
    shown = [a for a in found if not math.isnan(a)]
    return min(NEUTRAL_AFFINITY, min(shown)) if shown else NEUTRAL_AFFINITY


def blend_affinity(
    skill: float, affinity: float, silent: float = NEUTRAL_AFFINITY, blend: float = AFFINITY_BLEND
) -> float:
    """The skill factor with history affinity blended in (both 0..1, so the result is too): `blend`
    of it from affinity (Policy.affinity_blend); NaN (history silent on this technician here) blends
    in as `silent` (silent_affinity)."""
    value = silent if math.isnan(affinity) else min(1.0, max(0.0, affinity))
    blend = min(1.0, max(0.0, blend))
    return (1 - blend) * skill + blend * value


def affinity_reason(affinity: float, ticket: TicketFacts) -> str:
    """For the dispatcher: where this technician stands among who history says resolves it."""
    kind = f"{ticket.category} tickets" if ticket.category else "tickets"
    what = f"{ticket.company_name}'s {kind}" if ticket.company_name else kind
    if math.isnan(affinity):
        return f"history: none on {what} (neutral)"
    if affinity >= 0.995:
        return f"history: the likeliest resolver of {what}"
    if affinity >= 0.01:
        return f"history: {affinity:.0%} as likely as the likeliest resolver of {what}"
    return f"history: rarely resolves {what}"
