"""Greedy vs optimal batch dispatch on the same queues.

During a hybrid + batch run every batch of two or more tickets is recorded (ticket facts,
technician facts, policy, and the optimiser's rankings). Each is then re-ranked with
`rank_batch(optimise=False)`, so both methods face exactly the same queue and desk state. The SLA
consequences are measured separately by simulating the whole month with each method
(strategies `hybrid_batch` and `hybrid_greedy_batch`), because a different assignment changes
every later queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dispatch.engine import batch_total_score, rank_batch
from dispatch.engine.types import Ranking


def _selected(r: Ranking) -> Any:
    return next((c for c in r.candidates if c.tech_id == r.selected), None) if r.selected else None


def summarise(rankings: Sequence[Ranking], threshold: float) -> dict[str, float]:
    chosen = [c for c in map(_selected, rankings) if c is not None]
    return {
        "score": batch_total_score(rankings),
        "placed": len(chosen),
        "below_threshold": sum(1 for c in chosen if c.skill_match_pct < threshold),
        "overflow": sum(1 for c in chosen if c.at_capacity),
    }


def compare_snapshots(batches: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Totals over the recorded batches, and the share of batches where the methods differ."""
    totals = {
        m: {"score": 0.0, "placed": 0, "below_threshold": 0, "overflow": 0} for m in ("greedy", "optimal")
    }
    differ = better = worse = 0
    sizes: list[int] = []
    largest: dict[str, Any] | None = None
    for b in batches:
        policy = b["policy"]
        optimal = b["rankings"]
        greedy = rank_batch(b["tickets"], b["techs"], policy, optimise=False)
        so, sg = (
            summarise(optimal, policy.skill_match_threshold),
            summarise(greedy, policy.skill_match_threshold),
        )
        for key in totals["greedy"]:
            totals["greedy"][key] += sg[key]
            totals["optimal"][key] += so[key]
        sizes.append(len(optimal))
        if [r.selected for r in optimal] != [r.selected for r in greedy]:
            differ += 1
            better += so["score"] > sg["score"] + 1e-9
            worse += so["score"] < sg["score"] - 1e-9
        # The most interesting queue: many tickets and a real choice of technicians.
        if len(b["techs"]) >= 3 and (largest is None or len(optimal) > largest["size"]):
            largest = {"size": len(optimal), "techs": len(b["techs"]), "greedy": sg, "optimal": so}
    for m in totals.values():
        m["score"] = round(m["score"], 1)
    return {
        "batches": len(batches),
        "tickets": sum(sizes),
        "mean_size": round(sum(sizes) / len(sizes), 2) if sizes else 0.0,
        "max_size": max(sizes, default=0),
        "differ": differ,
        "optimal_higher": better,
        "optimal_lower": worse,
        "totals": totals,
        "largest": largest,
    }


def merge_compares(items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Sum the per-seed comparisons."""
    out: dict[str, Any] = {
        "batches": 0,
        "tickets": 0,
        "max_size": 0,
        "differ": 0,
        "optimal_higher": 0,
        "optimal_lower": 0,
    }
    totals = {
        m: {"score": 0.0, "placed": 0, "below_threshold": 0, "overflow": 0} for m in ("greedy", "optimal")
    }
    for it in items:
        for k in ("batches", "tickets", "differ", "optimal_higher", "optimal_lower"):
            out[k] += it[k]
        out["max_size"] = max(out["max_size"], it["max_size"])
        for m in totals:
            for k in totals[m]:
                totals[m][k] += it["totals"][m][k]
    out["mean_size"] = round(out["tickets"] / out["batches"], 2) if out["batches"] else 0.0
    for m in totals.values():
        m["score"] = round(m["score"], 1)
    out["totals"] = totals
    return out
