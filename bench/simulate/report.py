"""Aggregate runs over seeds, print the tables, draw the chart, write the JSON."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .dispatchers import LABELS
from .metrics import METRIC_INFO, METRICS

# The seeds' claims, as change vs the manual-like baseline: (metric, kind, low, high).
CLAIMS: tuple[tuple[str, str, str, float, float], ...] = (
    ("frt_mean", "First response mean", "%", -60.0, -40.0),
    ("res_mean", "Resolution mean", "%", -25.0, -15.0),
    ("sla_both", "SLA met, both targets", "pts", 15.0, 25.0),
    ("sla_response", "SLA met, response", "pts", 15.0, 25.0),
)
HANDOFF_CLAIM = (2.3, 1.2)  # handoffs per ticket: from 2.3 (manual) to under 1.2


def aggregate(results: Sequence[dict[str, Any]], strategies: Sequence[str]) -> dict[str, dict[str, Any]]:
    """strategy -> metric -> {"mean", "sd", "values"} over seeds."""
    out: dict[str, dict[str, Any]] = {}
    for s in strategies:
        runs = sorted((r for r in results if r["strategy"] == s), key=lambda r: r["seed"])
        if not runs:
            continue
        agg: dict[str, Any] = {
            "seeds": [r["seed"] for r in runs],
            "seconds": round(sum(r["seconds"] for r in runs), 1),
        }
        for key in [m[0] for m in METRICS] + ["tickets", "unresolved", "engine_calls"]:
            vals = [float(r[key]) for r in runs]
            agg[key] = {
                "mean": statistics.fmean(vals),
                "sd": statistics.stdev(vals) if len(vals) > 1 else 0.0,
                "values": [round(v, 3) for v in vals],
            }
        out[s] = agg
    return out


def _fmt(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if unit in ("%", "min", "$"):
        return f"{value:.1f}"
    if unit == "h":
        return f"{value:.2f}"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def metrics_table(agg: dict[str, dict[str, Any]]) -> str:
    strategies = list(agg)
    header = ["metric", "unit"] + [LABELS.get(s, s) for s in strategies]
    rows = [header]
    for key, label, unit, _ in METRICS:
        row = [label, unit]
        for s in strategies:
            m = agg[s][key]
            cell = _fmt(m["mean"], unit)
            if m["sd"] > 0:
                cell += f" ±{_fmt(m['sd'], unit)}"
            row.append(cell)
        rows.append(row)
    rows.append(["tickets measured / seed", ""] + [f"{agg[s]['tickets']['mean']:.0f}" for s in strategies])
    rows.append(["engine calls / seed", ""] + [f"{agg[s]['engine_calls']['mean']:.0f}" for s in strategies])
    return render(rows, align_left=2)


def claims_table(agg: dict[str, dict[str, Any]], baseline: str = "manual") -> str:
    if baseline not in agg:
        return ""
    base = agg[baseline]
    others = [s for s in agg if s != baseline]
    rows = [["vs manual-like", "seed claim"] + [LABELS.get(s, s) for s in others]]
    for key, label, kind, lo, hi in CLAIMS:
        b = base[key]["mean"]
        row = [
            f"{label} ({_fmt(b, METRIC_INFO[key][2])} {METRIC_INFO[key][2]})",
            f"{lo:+.0f}..{hi:+.0f} {kind}",
        ]
        for s in others:
            v = agg[s][key]["mean"]
            change = (v - b) / b * 100 if kind == "%" else v - b
            ok = (
                "ok"
                if lo <= change <= hi
                else ("beyond" if (change < lo if kind == "%" else change > hi) else "short")
            )
            row.append(f"{change:+.1f} {kind} ({ok})")
        rows.append(row)
    h0, h1 = HANDOFF_CLAIM
    row = [f"Handoffs / ticket ({base['handoffs']['mean']:.2f})", f"{h0} -> <{h1}"]
    row += [
        f"{agg[s]['handoffs']['mean']:.2f} ({(agg[s]['handoffs']['mean'] - base['handoffs']['mean']) / base['handoffs']['mean'] * 100:+.0f} %)"
        for s in others
    ]
    rows.append(row)
    row = [f"Technicians / ticket ({base['touches']['mean']:.2f})", f"{h0} -> <{h1}"]
    row += [f"{agg[s]['touches']['mean']:.2f}" for s in others]
    rows.append(row)
    return render(rows, align_left=2)


def batch_table(compare: dict[str, Any], sims: dict[str, dict[str, Any]] | None) -> str:
    t = compare["totals"]
    rows = [["same queues (re-ranked)", "greedy", "optimal"]]
    rows.append(["total score", f"{t['greedy']['score']:.1f}", f"{t['optimal']['score']:.1f}"])
    rows.append(["tickets placed", str(t["greedy"]["placed"]), str(t["optimal"]["placed"])])
    rows.append(
        [
            "placed below skill threshold",
            str(t["greedy"]["below_threshold"]),
            str(t["optimal"]["below_threshold"]),
        ]
    )
    rows.append(["placed past capacity", str(t["greedy"]["overflow"]), str(t["optimal"]["overflow"])])
    text = (
        f"{compare['batches']} batches of 2+ tickets ({compare['tickets']} ticket decisions, mean {compare['mean_size']}, "
        f"max {compare['max_size']}); assignments differ in {compare['differ']} "
        f"(optimal total higher in {compare['optimal_higher']}, lower in {compare['optimal_lower']})\n"
    )
    text += render(rows, align_left=1)
    if sims:
        rows = [["whole month, simulated", "greedy batch", "optimal batch"]]
        for key in (
            "sla_response",
            "sla_resolution",
            "sla_both",
            "frt_mean",
            "res_mean",
            "handoffs",
            "accuracy",
            "gini",
        ):
            _, label, unit, _ = METRIC_INFO[key]
            rows.append(
                [f"{label} ({unit})" if unit else label]
                + [
                    _fmt(sims[s][key]["mean"], unit)
                    for s in ("hybrid_greedy_batch", "hybrid_batch")
                    if s in sims
                ]
            )
        text += "\n" + render(rows, align_left=1)
    return text


def render(rows: list[list[str]], align_left: int = 1) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        cells = [c.ljust(widths[i]) if i < align_left else c.rjust(widths[i]) for i, c in enumerate(r)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def chart(agg: dict[str, dict[str, Any]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    strategies = list(agg)
    labels = [LABELS.get(s, s) for s in strategies]
    colors = plt.get_cmap("tab10").colors
    groups = [
        ("Service levels and accuracy (%)", ["sla_response", "sla_resolution", "accuracy", "utilisation"]),
        ("First response (minutes)", ["frt_mean", "frt_p95"]),
        ("Resolution (hours)", ["res_mean", "res_p95"]),
        ("Handoffs and fairness", ["handoffs", "touches", "gini"]),
        ("Cost per ticket ($)", ["cost_ticket"]),
    ]
    fig = plt.figure(figsize=(16, 9), constrained_layout=True)
    grid = fig.add_gridspec(2, 4, width_ratios=(1, 1, 1, 0.55))
    axes = [fig.add_subplot(grid[0, :])] + [fig.add_subplot(grid[1, i]) for i in range(4)]
    groups = [g for g in groups if all(k in agg[strategies[0]] for k in g[1])]  # older JSON: no cost
    axes = axes[: len(groups)]
    for ax, (name, keys) in zip(axes, groups, strict=True):
        x = np.arange(len(keys))
        width = 0.8 / len(strategies)
        for i, s in enumerate(strategies):
            means = [agg[s][k]["mean"] for k in keys]
            sds = [agg[s][k]["sd"] for k in keys]
            bars = ax.bar(x + (i - (len(strategies) - 1) / 2) * width, means, width, yerr=sds, capsize=2,
                          label=labels[i], color=colors[i % len(colors)])  # fmt: skip
            fmt = (
                "%.0f"
                if name.endswith("(%)") or "minutes" in name
                else "%.1f"
                if "hours" in name or "$" in name
                else "%.2f"
            )
            ax.bar_label(bars, fmt=fmt, fontsize=6, padding=1)
        ax.set_xticks(x, [METRIC_INFO[k][1] for k in keys], fontsize=8)
        ax.set_title(name, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        if name.endswith("(%)"):
            lo = min(agg[s][k]["mean"] for s in strategies for k in keys)
            ax.set_ylim(max(0, lo - 15), 102)
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, ncol=len(strategies), fontsize=9, loc="outside lower center")
    fig.suptitle(title, fontsize=11)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, default=str))
