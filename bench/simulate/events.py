"""The event queue: a heap ordered by (time, kind order, insertion sequence).

Ties at the same instant resolve in a fixed, meaningful order: work finishing before shifts
end, shifts ending before others start, starts before arrivals, arrivals before dispatch
decisions. The insertion sequence makes the rest deterministic (no comparison of payloads).
"""

from __future__ import annotations

import heapq
from itertools import count
from typing import Any

FINISH = 0  # a technician finishes a work segment (resolution or the end of a look before a bounce)
DUTY_END = 1
ONCALL_END = 2
DUTY_START = 3
ONCALL_START = 4
ARRIVAL = 5
DISPATCH = 6  # a dispatcher decides about one ticket
RETRY = 7  # a dispatcher reconsiders its pending tickets
TICK = 8  # a batch dispatch cycle

KIND_NAMES = {
    FINISH: "finish", DUTY_END: "duty_end", ONCALL_END: "oncall_end", DUTY_START: "duty_start",
    ONCALL_START: "oncall_start", ARRIVAL: "arrival", DISPATCH: "dispatch", RETRY: "retry", TICK: "tick",
}  # fmt: skip


class EventQueue:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, int, Any]] = []
        self._seq = count()

    def push(self, time: float, kind: int, payload: Any = None) -> None:
        heapq.heappush(self._heap, (time, kind, next(self._seq), payload))

    def pop(self) -> tuple[float, int, Any]:
        time, kind, _, payload = heapq.heappop(self._heap)
        return time, kind, payload

    def peek_time(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)

    def __bool__(self) -> bool:
        return bool(self._heap)
