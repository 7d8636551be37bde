"""python -m bench.simulate [--days 28] [--seeds 3] [--techs 20] [--out docs/img/simulator.png] [--json FILE]

Simulates the service desk under every dispatch strategy on the same seeds and prints the
comparison (see docs/simulator.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .catalogue import Params
from .compare import merge_compares
from .dispatchers import LABELS, STRATEGIES
from .report import aggregate, batch_table, chart, claims_table, metrics_table, write_json
from .runner import run_grid


def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench.simulate", description=__doc__.split("\n\n")[1])
    ap.add_argument("--days", type=int, default=28, help="measured days of ticket arrivals (default 28)")
    ap.add_argument(
        "--seeds", type=int, default=3, help="number of seeds; every strategy runs on each (default 3)"
    )
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--techs", type=int, default=20, help="technicians on the desk (default 20)")
    ap.add_argument("--tickets-per-weekday", type=float, default=Params.weekday_tickets)
    ap.add_argument(
        "--strategies", default=",".join(STRATEGIES), help=f"comma-separated subset of {','.join(STRATEGIES)}"
    )
    ap.add_argument("--out", default="docs/img/simulator.png", help="chart path ('' for none)")
    ap.add_argument("--json", default="", help="write every run and the aggregate to this JSON file")
    ap.add_argument("--workers", type=int, default=0, help="processes (default: one per core)")
    ap.add_argument("--no-batch-compare", action="store_true", help="skip greedy vs optimal batch comparison")
    ap.add_argument(
        "--no-force-assignment", action="store_true",
        help="engine policy force_assignment=False: wait for a qualified technician instead of assigning below the skill threshold",
    )  # fmt: skip
    ap.add_argument(
        "--force-urgent-only", action="store_true",
        help="force below-threshold assignments for High/Critical tickets only; Low/Medium wait for a qualified technician",
    )  # fmt: skip
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = time.perf_counter()
    params = replace(
        Params(), days=args.days, techs=args.techs, weekday_tickets=args.tickets_per_weekday,
        force_assignment=not args.no_force_assignment, force_urgent_only=args.force_urgent_only,
    )  # fmt: skip
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        print(f"unknown strategies: {', '.join(unknown)}; expected {', '.join(STRATEGIES)}", file=sys.stderr)
        return 2
    compare = not args.no_batch_compare and "hybrid_batch" in strategies
    grid = strategies + (["hybrid_greedy_batch"] if compare else [])
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    workers = args.workers or min(len(os.sched_getaffinity(0)), 8)
    print(
        f"Switchboard desk simulation: {params.days} days (+{params.warmup_days} warm-up), {params.techs} technicians, "
        f"~{params.weekday_tickets:.0f} tickets per weekday, seeds {seeds[0]}..{seeds[-1]}, {workers} workers"
        + ("" if params.force_assignment else ", engine force_assignment off")
        + (", force_assignment for High/Critical only" if params.force_urgent_only and params.force_assignment else ""),
        flush=True,
    )
    bar = tqdm(total=len(grid) * len(seeds), unit="run", desc="simulating", file=sys.stderr)

    def done(r: dict[str, Any]) -> None:
        bar.set_postfix_str(
            f"{LABELS.get(r['strategy'], r['strategy'])} seed {r['seed']} {r['seconds']:.0f}s"
        )
        bar.update()

    results = run_grid(grid, seeds, params, workers=workers, on_done=done, record_batches=compare)
    bar.close()
    agg = aggregate(results, strategies)
    print()
    print(f"Mean over {len(seeds)} seeds (± sample standard deviation between seeds)")
    print(metrics_table(agg))
    print()
    print("Change vs manual-like, against the seeds' claims")
    print(claims_table(agg))
    payload: dict[str, Any] = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cpus, Python {platform.python_version()}",
        "params": params.as_dict(),
        "seeds": seeds,
        "aggregate": agg,
        "runs": results,
    }
    if compare:
        per_seed = [
            r["batch_compare"] for r in results if r["strategy"] == "hybrid_batch" and "batch_compare" in r
        ]
        merged = merge_compares(per_seed)
        sims = aggregate(results, ["hybrid_greedy_batch", "hybrid_batch"])
        print()
        print("Greedy vs optimal batch dispatch (rank_batch optimise=False vs True)")
        print(batch_table(merged, sims))
        payload["batch_compare"] = {"same_queues": merged, "simulated": sims}
    elapsed = time.perf_counter() - started
    payload["seconds"] = round(elapsed, 1)
    if args.out:
        path = Path(args.out)
        chart(agg, path, f"Switchboard desk simulation: {params.techs} technicians, {params.days} days, "
                          f"mean of {len(seeds)} seeds (error bars: sd between seeds)")  # fmt: skip
        print(f"\nchart: {path}")
    if args.json:
        write_json(Path(args.json), payload)
        print(f"json: {args.json}")
    print(f"total time {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
