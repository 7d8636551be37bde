"""Fit the hybrid strategy's factor weights to simulated outcomes, not by hand.

    python -m bench.simulate.fit [--train-seeds 4,5] [--train-days 14] [--validate-seeds 1,2,3]
        [--validate-days 28] [--top 3] [--force-urgent-only] [--workers 1] [--json FILE]

A coarse grid over the five factor weights (skill, availability, workload, performance,
customer preference; each vector sums to 1) runs the hybrid strategy on *training* seeds; the
best few by the objective, the engine's defaults and the simple strategies (least busy, round
robin, skills-based) are then run on *validation* seeds the grid never saw. Training and
validation desks differ (different technicians, companies and ticket streams), so a vector that
only fits the training desks shows it.

Objective (higher is better), one number so the grid can be sorted:
    SLA met (both, %) - first response mean (min) / 10 - 20 x Gini of hours worked
i.e. one SLA point is worth 10 minutes of mean first response or 0.05 of Gini. The table shows
every metric, so a different trade-off can be read off it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from dispatch.engine.types import DEFAULT_WEIGHTS, FACTORS

from .catalogue import Params
from .report import render
from .runner import run_one

KEYS = ("sla_both", "frt_mean", "res_mean", "handoffs", "gini", "after_hours", "cost_ticket")
SIMPLE = ("least_busy", "round_robin", "skills_based")


def objective(m: dict[str, float]) -> float:
    return m["sla_both"] - m["frt_mean"] / 10 - 20 * m["gini"]


DEFAULT_LEVELS = {
    "skill": (0.10, 0.20, 0.30),
    "workload": (0.35, 0.50, 0.65),
    "performance": (0.0, 0.10),
    "customer_preference": (0.05,),
}


def grid(
    levels: dict[str, tuple[float, ...]] | None = None, shifts: tuple[float | None, ...] = (None,)
) -> list[tuple[dict[str, float], float | None]]:
    """(weights, SLA shift) pairs. Weights over FACTORS sum to 1: skill, workload, performance and
    customer preference on coarse levels, availability the remainder (at least 0.05); the SLA
    shift (Policy.sla_priority_weight) on its levels, None for the engine's. The default grid is 15
    vectors: a run is minutes, not hours, on a shared 2-core machine."""
    lv = {**DEFAULT_LEVELS, **(levels or {})}
    out = []
    for skill, work, perf, pref, shift in itertools.product(
        lv["skill"], lv["workload"], lv["performance"], lv["customer_preference"], shifts
    ):
        avail = round(1 - skill - work - perf - pref, 2)
        if avail >= 0.05:
            w = {"skill": skill, "availability": avail, "workload": work, "performance": perf}
            out.append(({**w, "customer_preference": pref}, shift))
    return out


def run_mean(strategy: str, seeds: Iterable[int], params: Params) -> dict[str, float]:
    runs = [run_one(strategy, seed, params) for seed in seeds]
    return {k: statistics.fmean(float(r[k]) for r in runs) for k in KEYS}


def label(w: dict[str, float] | None, shift: float | None = None) -> str:
    if w is None:
        return "default " + "/".join(f"{DEFAULT_WEIGHTS[f]:.2f}" for f in FACTORS)
    text = "/".join(f"{w[f]:.2f}" for f in FACTORS)
    return text if shift is None else f"{text} shift {shift:.2f}"


def with_weights(params: Params, w: dict[str, float], shift: float | None) -> Params:
    return replace(params, weights=w, sla_priority_weight=shift)


def table(rows: Sequence[tuple[str, dict[str, float]]]) -> str:
    out = [["strategy / weights (skill/avail/workload/perf/pref)", "objective", *KEYS]]
    for name, m in rows:
        out.append(
            [name, f"{objective(m):.2f}"]
            + [f"{m[k]:.3f}" if k in ("handoffs", "gini") else f"{m[k]:.2f}" for k in KEYS]
        )
    return render(out, align_left=1)


Job = tuple[dict[str, float], float | None, tuple[int, ...], Params]


def _job(args: Job) -> tuple[dict[str, float], float | None, dict[str, float]]:
    w, shift, seeds, params = args
    return w, shift, run_mean("hybrid", seeds, with_weights(params, w, shift))


def _name(strategy: str) -> str:
    return f"hybrid {label(None)}" if strategy == "hybrid" else strategy


def _levels(text: str) -> tuple[float, ...]:
    return tuple(float(x) for x in text.split(",") if x.strip())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.simulate.fit", description=__doc__.split("\n\n")[0])
    ap.add_argument("--train-seeds", default="4,5")
    ap.add_argument("--train-days", type=int, default=14)
    ap.add_argument("--validate-seeds", default="1,2,3")
    ap.add_argument("--validate-days", type=int, default=28)
    ap.add_argument("--top", type=int, default=3)
    ap.add_argument("--force-urgent-only", action="store_true")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--json", default="")
    ap.add_argument(
        "--no-baselines", action="store_true", help="skip the default hybrid and the simple strategies"
    )
    for name in DEFAULT_LEVELS:
        ap.add_argument(
            f"--{name.replace('_', '-')}",
            type=_levels,
            default=DEFAULT_LEVELS[name],
            help=f"comma-separated levels (default {','.join(map(str, DEFAULT_LEVELS[name]))})",
        )
    ap.add_argument(
        "--sla-shift",
        type=_levels,
        default=(),
        help="levels of Policy.sla_priority_weight (default: the engine's)",
    )
    args = ap.parse_args(argv)
    train = tuple(int(s) for s in args.train_seeds.split(",") if s)
    valid = tuple(int(s) for s in args.validate_seeds.split(",") if s)
    base = replace(Params(), force_urgent_only=args.force_urgent_only)
    tparams = replace(base, days=args.train_days)
    levels = {name: getattr(args, name) for name in DEFAULT_LEVELS}
    vectors = grid(levels, tuple(args.sla_shift) or (None,))
    print(f"training: {len(vectors)} weight vectors x seeds {train}, {args.train_days} days", flush=True)
    jobs: list[Job] = [(w, shift, train, tparams) for w, shift in vectors]
    if args.workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            fitted = list(pool.map(_job, jobs))
    else:
        fitted = [_job(j) for j in jobs]
    fitted.sort(key=lambda wm: -objective(wm[2]))
    baselines = [] if args.no_baselines else ["hybrid", *SIMPLE]
    train_rows = [(_name(s), run_mean(s, train, tparams)) for s in baselines]
    train_rows += [(f"hybrid {label(w, sh)}", m) for w, sh, m in fitted[: max(args.top, 10)]]
    print("\ntraining seeds (best 10 of the grid)")
    print(table(train_rows))
    best = [(w, sh) for w, sh, _ in fitted[: args.top]]
    vparams = replace(base, days=args.validate_days)
    print(f"\nvalidation: seeds {valid}, {args.validate_days} days", flush=True)
    valid_rows = [(_name(s), run_mean(s, valid, vparams)) for s in baselines]
    valid_rows += [
        (f"hybrid {label(w, sh)}", run_mean("hybrid", valid, with_weights(vparams, w, sh))) for w, sh in best
    ]
    print(table(valid_rows))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "train": {"seeds": train, "days": args.train_days, "grid": fitted},
                    "validate": {"seeds": valid, "days": args.validate_days, "rows": valid_rows},
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
