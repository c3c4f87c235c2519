"""RecentValue: one read per window, shared by every caller, never keeping a failure."""

from __future__ import annotations

import asyncio

import pytest

from bot.services.recent_value import RecentValue


class Reads:
    def __init__(self) -> None:
        self.calls = 0
        self.gate: asyncio.Event | None = None
        self.fail = False

    async def __call__(self) -> int:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise ConnectionError("supplier down")
        return self.calls


async def test_a_value_is_shared_for_its_window_then_read_again() -> None:
    reads, clock = Reads(), [0.0]
    value = RecentValue(reads, 5.0, monotonic=lambda: clock[0])
    assert await value.get() == 1
    clock[0] = 4.9
    assert await value.get() == 1 and reads.calls == 1
    clock[0] = 5.0
    assert await value.get() == 2


async def test_callers_during_a_read_wait_for_that_one_read() -> None:
    reads = Reads()
    reads.gate = asyncio.Event()
    value = RecentValue(reads, 5.0)
    waiting = [asyncio.create_task(value.get()) for _ in range(20)]
    await asyncio.sleep(0)  # every caller has asked; the read is held at the gate
    reads.gate.set()
    assert await asyncio.gather(*waiting) == [1] * 20
    assert reads.calls == 1


async def test_a_failed_read_reaches_every_waiting_caller_and_is_not_kept() -> None:
    reads = Reads()
    reads.fail = True
    value = RecentValue(reads, 5.0)
    with pytest.raises(ConnectionError):
        await value.get()
    reads.fail = False
    assert await value.get() == 2, "the next caller reads again"


async def test_one_caller_giving_up_does_not_cancel_the_others_read() -> None:
    reads = Reads()
    reads.gate = asyncio.Event()
    value = RecentValue(reads, 5.0)
    impatient = asyncio.create_task(value.get())
    patient = asyncio.create_task(value.get())
    await asyncio.sleep(0)
    impatient.cancel()
    reads.gate.set()
    assert await patient == 1
    with pytest.raises(asyncio.CancelledError):
        await impatient
