"""A discrete-event simulation of an MSP service desk for comparing dispatch strategies.

    python -m bench.simulate [--days 28] [--seeds 3] [--techs 20] [--out docs/img/simulator.png] [--json FILE]

Pure Python (no Django): the engine strategies call `dispatch.engine.rank` / `rank_batch` with
facts built from the simulation's live state. See docs/simulator.md for the model and results.

Modules: catalogue (categories, SLAs, parameters), clock (simulated time, spans), desk (the
drawn scenario: companies, technicians, tickets), events (the heap), sim (the event loop and the
technicians' work), facts (engine inputs), dispatchers (manual-like, engine, batch), metrics,
compare (greedy vs optimal batches), report (tables, chart), runner (seeds x strategies).
"""

from .catalogue import Params
from .desk import Desk, build_desk
from .dispatchers import STRATEGIES, make_dispatcher
from .metrics import measure
from .runner import run_grid, run_one
from .sim import Simulation

__all__ = [
    "STRATEGIES",
    "Desk",
    "Params",
    "Simulation",
    "build_desk",
    "make_dispatcher",
    "measure",
    "run_grid",
    "run_one",
]
