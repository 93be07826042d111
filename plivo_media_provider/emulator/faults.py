"""Injected faults: a FIFO queue of one-shot misbehaviours for matching requests."""

from __future__ import annotations

import math
import threading
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

DropWhen = Literal["before", "after"]

_MAX_DELAY = 60.0


@dataclass
class Fault:
    """``count`` matching requests get ``status``, a ``delay``, or a dropped connection.

    A request matches when its method equals ``method`` (None: any) and its path starts with
    ``path``. Exactly one of ``status``, ``delay`` and ``drop`` is set.
    """

    method: str | None
    path: str
    count: int
    status: int | None = None
    retry_after: int = 1
    delay: float | None = None
    drop: DropWhen | None = None

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and path.startswith(self.path)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def parse_faults(payload: object) -> list[Fault]:
    """Faults from ``{..}``, ``{"faults": [..]}`` or ``[..]``; ValueError says what is wrong."""
    if isinstance(payload, dict) and "faults" in payload:
        payload = payload["faults"]
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise ValueError("no faults given")
    return [_parse_one(item, index) for index, item in enumerate(items)]


def _parse_one(item: object, index: int) -> Fault:
    where = f"fault #{index + 1}"
    if not isinstance(item, dict):
        raise ValueError(f"{where} must be a JSON object")
    unknown = set(item) - {"method", "path", "count", "status", "retry_after", "delay", "drop"}
    if unknown:
        raise ValueError(f"{where} has unknown fields: {', '.join(sorted(unknown))}")
    kinds = [key for key in ("status", "delay", "drop") if item.get(key) is not None]
    if len(kinds) != 1:
        raise ValueError(f"{where} needs exactly one of status, delay or drop")

    method = item.get("method")
    if method is not None and not (isinstance(method, str) and method.isalpha()):
        raise ValueError(f"{where}: method must be an HTTP method name such as POST")
    path = item.get("path", "/")
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError(f"{where}: path must be a path prefix starting with /")
    count = _integer(item.get("count", 1), f"{where}: count", minimum=1)
    fault = Fault(method.upper() if method else None, path, count)

    if kinds == ["status"]:
        fault.status = _integer(item["status"], f"{where}: status", minimum=400, maximum=599)
        fault.retry_after = _integer(item.get("retry_after", 1), f"{where}: retry_after")
    elif kinds == ["delay"]:
        delay = item["delay"]
        if isinstance(delay, bool) or not isinstance(delay, (int, float)):
            raise ValueError(f"{where}: delay must be a number of seconds")
        if not (0 <= delay <= _MAX_DELAY) or math.isnan(delay):
            raise ValueError(f"{where}: delay must be between 0 and {_MAX_DELAY:g} seconds")
        fault.delay = float(delay)
    else:
        if item["drop"] not in ("before", "after"):
            raise ValueError(f'{where}: drop must be "before" or "after"')
        fault.drop = item["drop"]
    return fault


def _integer(value: object, what: str, minimum: int = 0, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an integer")
    if value < minimum or (maximum is not None and value > maximum):
        upper = "" if maximum is None else f" and at most {maximum}"
        raise ValueError(f"{what} must be at least {minimum}{upper}")
    return value


class FaultQueue:
    """Pending faults, consumed first-in first-out by the requests they match."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, faults: list[Fault]) -> None:
        with self._lock:
            self._faults.extend(faults)

    def take(self, method: str, path: str) -> Fault | None:
        """The oldest fault matching the request, with one use consumed; None if none."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.matches(method, path):
                    fault.count -= 1
                    if fault.count == 0:
                        del self._faults[index]
                    return replace(fault, count=1)
        return None

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [fault.to_json() for fault in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
