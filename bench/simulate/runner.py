"""Run one (strategy, seed) and collect its metrics; run a grid of them on several processes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from .catalogue import Params
from .desk import Desk, build_desk
from .dispatchers import BatchDispatcher, make_dispatcher
from .metrics import measure
from .sim import Simulation

_CACHE: dict[tuple[int, str], Desk] = {}


def desk_for(seed: int, params: Params) -> Desk:
    """The desk for a seed, built once per process (runs reset the tickets' state)."""
    key = (seed, repr(params))
    desk = _CACHE.get(key)
    if desk is None:
        if len(_CACHE) > 6:
            _CACHE.clear()
        desk = _CACHE[key] = build_desk(seed, params)
    return desk


def run_one(strategy: str, seed: int, params: Params, record_batches: bool = False) -> dict[str, Any]:
    started = time.perf_counter()
    desk = desk_for(seed, params)
    dispatcher = make_dispatcher(strategy, seed)
    if record_batches and isinstance(dispatcher, BatchDispatcher):
        dispatcher.record = True
    sim = Simulation(desk, dispatcher).run()
    out = measure(sim)
    out.update(
        strategy=strategy, seed=seed, events=sim.events, engine_calls=getattr(dispatcher, "calls", 0),
        seconds=round(time.perf_counter() - started, 2),
    )  # fmt: skip
    if record_batches and isinstance(dispatcher, BatchDispatcher):
        from .compare import compare_snapshots

        out["batch_compare"] = compare_snapshots(dispatcher.batches)
    return out


def _job(args: tuple[str, int, Params, bool]) -> dict[str, Any]:
    return run_one(*args)


# Rough relative cost, so the slow jobs start first and the pool stays busy to the end.
COST = {
    "hybrid_batch": 3,
    "hybrid_greedy_batch": 3,
    "skills_based": 2,
    "hybrid": 2,
    "round_robin": 2,
    "least_busy": 2,
    "manual": 0,
}


def run_grid(
    strategies: Sequence[str],
    seeds: Sequence[int],
    params: Params,
    workers: int | None = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
    record_batches: bool = False,
) -> list[dict[str, Any]]:
    """Every strategy on every seed, in worker processes (one per core by default)."""
    workers = workers or min(len(os.sched_getaffinity(0)), 8)
    jobs = [(s, seed, params, record_batches and s == "hybrid_batch") for seed in seeds for s in strategies]
    jobs.sort(key=lambda j: -COST.get(j[0], 1))
    results: list[dict[str, Any]] = []
    if workers <= 1:
        for job in jobs:
            results.append(_job(job))
            if on_done:
                on_done(results[-1])
        return results
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_job, job) for job in jobs]
        for fut in as_completed(futures):
            results.append(fut.result())
            if on_done:
                on_done(results[-1])
    return results
