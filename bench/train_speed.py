"""train_models on a large generated desk, stage by stage (issue "A live queue at any scale":
"train_models on 25k history <= 30 s"; docs/speed.md).

    python -m bench.train_speed                      # 25,000 history tickets on bench.scale's desk
    python -m bench.train_speed --history 5000
    python -m bench.train_speed --reuse              # the desk a previous run loaded: train only
    python -m bench.train_speed --profile 25         # also the 25 costliest functions (cProfile)

The desk is bench.scale's (`build_workspace`: 500 technicians, 30 categories, 60 companies,
10,000 open tickets), loaded into the scratch PostgreSQL database named by --database-url,
which is dropped and created again unless --reuse: give it a scratch name.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from datetime import UTC, datetime


class StageClock:
    """The progress callback train_models reports through, turned into time per stage: the time
    since the previous report is charged to the stage reporting (each stage reports as it goes
    and when it is done)."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self.last
        self.last = now


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--history", type=int, default=25_000)
    parser.add_argument("--techs", type=int, default=500)
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--unassigned", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/sb_train_speed")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--reuse", action="store_true", help="train on the desk a previous run loaded")
    parser.add_argument("--runs", type=int, default=1, help="train this many times (one table row each)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N costliest functions")
    args = parser.parse_args(argv)

    from bench.scale import build_workspace, scratch_desk

    scratch_desk(args.database_url, args.redis_url, reuse=args.reuse)
    from dispatch.learning.training import train_models
    from dispatch.models import HistoryTicket

    if not args.reuse:
        from dispatch.workspace.importer import workspace_import

        now = datetime.now(UTC)
        doc = build_workspace(args.techs, args.open, args.unassigned, args.history, args.seed, now)
        started = time.perf_counter()
        workspace_import(doc, replace=True)
        print(f"imported the desk in {time.perf_counter() - started:.1f} s", flush=True)
    history = HistoryTicket.objects.count()
    print(f"bench.train_speed: train_models on {history:,} history tickets", flush=True)

    runs: list[tuple[float, StageClock, dict]] = []
    for _ in range(args.runs):
        clock = StageClock()
        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None:
            profiler.enable()
        version = train_models(clock)
        if profiler is not None:
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.profile)
            print(out.getvalue())
        runs.append((time.perf_counter() - clock.start, clock, version.metrics))

    stages = list(dict.fromkeys(s for _, clock, _ in runs for s in clock.seconds))
    print()
    print(f"{'stage':<24}" + "".join(f"  run {i + 1:>2} s" for i in range(len(runs))))
    print("-" * 24 + "  --------" * len(runs))
    for stage in stages:
        print(f"{stage:<24}" + "".join(f"  {clock.seconds.get(stage, 0.0):>8.1f}" for _, clock, _ in runs))
    print(f"{'train_models total':<24}" + "".join(f"  {total:>8.1f}" for total, _, _ in runs))
    clf = runs[-1][2].get("classifier", {})
    if "holdout_top1" in clf:
        print(
            f"\nheld-out check (latest 20%): top-1 {clf['holdout_top1']:.1%}, top-3 {clf['holdout_top3']:.1%}, "
            f"majority {clf['holdout_majority']:.1%} ({clf['holdout_tickets']:,} tickets)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
