"""python -m bench.simulate.sweep [--loads 150,170,190,200,210,220] [--strategies manual,hybrid]
    [--seeds 3] [--force-urgent-only] [--out docs/img/simulator_load.png] [--json FILE]

The same desk at several ticket loads: where do the seeds' claims hold? For each load (tickets
per weekday) every strategy runs on the same seeds (same technicians; the arrival stream is
drawn at that rate), and the table shows SLA compliance, first response, dispatch accuracy and
the manual desk's utilisation, with the change against manual-like next to the claims.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .catalogue import Params
from .dispatchers import LABELS, STRATEGIES
from .report import aggregate, write_json
from .runner import run_grid

COLUMNS = (  # (metric, header, format)
    ("sla_both", "SLA met %", "{:.1f}"),
    ("frt_mean", "1st resp min", "{:.0f}"),
    ("res_mean", "resol h", "{:.2f}"),
    ("accuracy", "right-skill %", "{:.1f}"),
    ("touches", "techs/ticket", "{:.2f}"),
    ("utilisation", "util %", "{:.0f}"),
)


def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m bench.simulate.sweep", description=__doc__.split("\n\n")[1])
    ap.add_argument("--loads", default="150,170,190,200,210,220", help="tickets per weekday, comma-separated")
    ap.add_argument("--strategies", default="manual,hybrid", help=f"comma-separated subset of {','.join(STRATEGIES)}")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--days", type=int, default=28)
    ap.add_argument("--techs", type=int, default=20, help="technicians on the desk (default 20)")
    ap.add_argument("--force-urgent-only", action="store_true", help="desk setting below_threshold = urgent")
    ap.add_argument("--out", default="docs/img/simulator_load.png", help="chart path ('' for none)")
    ap.add_argument("--json", default="")
    ap.add_argument("--workers", type=int, default=0)
    return ap.parse_args(argv)


def parse_loads(text: str) -> list[float]:
    try:
        loads = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise SystemExit(f"--loads: {text!r} is not a comma-separated list of numbers") from None
    if not loads or any(x <= 0 for x in loads):
        raise SystemExit("--loads: give one or more positive numbers of tickets per weekday")
    return loads


def sweep(
    loads: list[float], strategies: list[str], seeds: list[int], base: Params, workers: int, progress: Any = None
) -> dict[float, dict[str, dict[str, Any]]]:
    """load -> strategy -> aggregate (report.aggregate) over the seeds."""
    out: dict[float, dict[str, dict[str, Any]]] = {}
    for load in loads:
        params = replace(base, weekday_tickets=load)
        results = run_grid(strategies, seeds, params, workers=workers, on_done=progress)
        out[load] = aggregate(results, strategies)
    return out


def table(data: dict[float, dict[str, dict[str, Any]]], strategies: list[str]) -> str:
    header = ["tickets/weekday", "strategy", *(c[1] for c in COLUMNS), "SLA vs manual", "1st resp vs manual"]
    rows = [header]
    for load, agg in data.items():
        manual = agg.get("manual")
        for s in strategies:
            a = agg[s]
            cells = [f"{load:.0f}", LABELS.get(s, s)]
            for key, _, fmt in COLUMNS:
                cell = fmt.format(a[key]["mean"])
                if s == "manual" and key == "sla_both":
                    lo, hi = min(a[key]["values"]), max(a[key]["values"])
                    cell += f" ({lo:.0f}-{hi:.0f})"
                cells.append(cell)
            if manual is None or s == "manual":
                cells += ["", ""]
            else:
                dsla = a["sla_both"]["mean"] - manual["sla_both"]["mean"]
                dfrt = (a["frt_mean"]["mean"] / manual["frt_mean"]["mean"] - 1) * 100
                cells += [
                    f"{dsla:+.1f} pts ({verdict(dsla, 15, 25)})",
                    f"{dfrt:+.0f} % ({verdict(-dfrt, 40, 60)})",
                ]
            rows.append(cells)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) if i > 1 else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def verdict(gain: float, low: float, high: float) -> str:
    return "short" if gain < low else "ok" if gain <= high else "beyond"


def chart(data: dict[float, dict[str, dict[str, Any]]], strategies: list[str], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    loads = list(data)
    colors = plt.get_cmap("tab10").colors
    panels = (("sla_both", "SLA met, both targets (%)"), ("frt_mean", "First response mean (min)"),
              ("accuracy", "Right-skill first assignment (%)"))  # fmt: skip
    fig, axes = plt.subplots(1, len(panels), figsize=(15, 4.6), constrained_layout=True)
    for ax, (key, name) in zip(axes, panels, strict=True):
        for i, s in enumerate(strategies):
            means = [data[x][s][key]["mean"] for x in loads]
            sds = [data[x][s][key]["sd"] for x in loads]
            ax.errorbar(loads, means, yerr=sds, marker="o", capsize=3, label=LABELS.get(s, s), color=colors[i % 10])
        if key == "sla_both" and "manual" in strategies:
            base = [data[x]["manual"][key]["mean"] for x in loads]
            ax.fill_between(loads, [min(100.0, b + 15) for b in base], [min(100.0, b + 25) for b in base],
                            color="grey", alpha=0.15, label="claim: manual +15..25 pts")  # fmt: skip
            ax.set_ylim(top=100.5)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("tickets per weekday")
        ax.grid(alpha=0.3)
        if key == "frt_mean":
            ax.set_yscale("log")
    axes[0].legend(fontsize=8, loc="lower left")
    fig.suptitle(title, fontsize=11)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    loads = parse_loads(args.loads)
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        print(f"--strategies: unknown {', '.join(unknown)}; expected {', '.join(STRATEGIES)}", file=sys.stderr)
        return 2
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    workers = args.workers or min(len(os.sched_getaffinity(0)), 8)
    base = replace(Params(), days=args.days, techs=args.techs, force_urgent_only=args.force_urgent_only)
    policy = "below_threshold=urgent" if args.force_urgent_only else "default policy"
    print(f"Load sweep: {len(loads)} loads x {len(strategies)} strategies x {len(seeds)} seeds, {policy}", flush=True)
    started = time.perf_counter()
    bar = tqdm(total=len(loads) * len(strategies) * len(seeds), unit="run", desc="simulating", file=sys.stderr)
    data = sweep(loads, strategies, seeds, base, workers, progress=lambda r: bar.update())
    bar.close()
    print()
    print(f"Mean over {len(seeds)} seeds (manual SLA: range over seeds in brackets)")
    print(table(data, strategies))
    if args.out:
        title = f"Switchboard desk simulation across loads: {args.techs} technicians, {policy}, {len(seeds)} seeds"
        chart(data, strategies, Path(args.out), title)
        print(f"\nchart: {args.out}")
    if args.json:
        write_json(Path(args.json), {"loads": {str(k): v for k, v in data.items()}, "params": base.as_dict(), "seeds": seeds})
        print(f"json: {args.json}")
    print(f"total time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
