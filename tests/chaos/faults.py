"""Faults at the providers, and watching the platform's readiness through an outage."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from .processes import Platform


@dataclass
class ReadinessLog:
    """Readiness per service while a window is open: 200 when ready, 503 otherwise."""

    platform: Platform
    seen: dict[str, Counter[int]] = field(default_factory=dict)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    def open(self) -> None:
        """Start sampling every half second."""
        self._task = asyncio.create_task(self._sample())

    async def close(self) -> dict[str, dict[int, int]]:
        """Stop sampling; what was seen."""
        self._stop.set()
        if self._task is not None:
            await self._task
        return {name: dict(counts) for name, counts in self.seen.items()}

    async def _sample(self) -> None:
        while not self._stop.is_set():
            for service in self.platform.services.values():
                ready = await service.is_ready()
                self.seen.setdefault(service.name, Counter())[200 if ready else 503] += 1
            await asyncio.sleep(0.5)


async def inject_provider_fault(sink_url: str, fault: dict[str, Any]) -> None:
    """Tell the provider sink to answer a status, or hang, a number of times."""
    async with httpx.AsyncClient(base_url=sink_url, timeout=10) as http:
        response = await http.post("/control/faults", json=fault)
        assert response.status_code == 201, response.text


async def slow_providers(sink_url: str, seconds: float) -> None:
    """The next two emails and texts hang `seconds` before a transient refusal (451, 500)."""
    await inject_provider_fault(
        sink_url, {"target": "sms", "hang_s": seconds, "status": 500, "times": 2}
    )
    async with httpx.AsyncClient(base_url=sink_url, timeout=10) as http:
        fault = {"code": 451, "message": "4.3.0 try later", "stage": "data", "times": 2}
        response = await http.post("/smtp/faults", json={**fault, "hang_s": seconds})
        assert response.status_code == 201, response.text
