"""The event log behind `/sandbox/events`: streams wake only for their own chat's events,
replays read only what is new, and memory stays bounded."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import aiohttp
from aiogram import Bot

from sandbox.telegram.driver import JSON, ChatUser, SandboxClient
from sandbox.telegram.event_log import Event, EventLog
from sandbox.telegram.server import RunningTelegramSandbox
from tests.support.telegram_sandbox import ALICE

BOB = 1002


def seqs(events: Iterable[Event] | None) -> list[int]:
    assert events is not None, "timed out"
    return [event.seq for event in events]


async def test_a_stream_gets_only_its_chats_events() -> None:
    log = EventLog(keep=100)
    alice, bob = log.subscribe(ALICE, None), log.subscribe(BOB, None)
    everyone, one_bot = log.subscribe(None, None), log.subscribe(ALICE, 7)
    log.publish("message", ALICE, 7, text="a")
    log.publish("message", BOB, 7, text="b")
    log.publish("message", ALICE, 8, text="c")
    assert seqs(alice.pending) == [1, 3]
    assert seqs(bob.pending) == [2]
    assert seqs(everyone.pending) == [1, 2, 3]
    assert seqs(one_bot.pending) == [1]
    assert seqs(await alice.next_batch(1)) == [1, 3]
    assert await alice.next_batch(0.01) is None  # nothing new: it times out (a ping)


async def test_a_quiet_stream_is_not_woken_by_other_chats() -> None:
    log = EventLog(keep=100)
    bob = log.subscribe(BOB, None)
    waiting = asyncio.create_task(bob.next_batch(5))
    await asyncio.sleep(0)  # parked on its own wake-up
    for _ in range(50):
        log.publish("message", ALICE, 7)
    await asyncio.sleep(0)
    assert not waiting.done()
    log.publish("message", BOB, 7)
    assert seqs(await asyncio.wait_for(waiting, 1)) == [51]


def test_replay_reads_from_the_newest_end_per_chat() -> None:
    log = EventLog(keep=100)
    for n in range(10):
        log.publish("message", ALICE if n % 2 else BOB, 7)
    assert seqs(log.after(6, ALICE)) == [8, 10]
    assert seqs(log.after(6, None)) == [7, 8, 9, 10]
    assert seqs(log.after(10, ALICE)) == []
    assert seqs(log.after(0, 999)) == []
    assert seqs(log.subscribe(BOB, None, since=4).pending) == [5, 7, 9]


def test_memory_is_bounded_and_the_chat_index_follows() -> None:
    log = EventLog(keep=3)
    log.publish("message", BOB, 7)
    for _ in range(5):
        log.publish("message", ALICE, 7)
    assert seqs(log.events) == [4, 5, 6]
    assert seqs(log.after(0, ALICE)) == [4, 5, 6]
    assert log.after(0, BOB) == [] and BOB not in log._by_chat


def test_a_reader_too_far_behind_is_closed() -> None:
    log = EventLog(keep=3)
    slow = log.subscribe(ALICE, None)
    for _ in range(4):
        log.publish("message", ALICE, 7)
    assert slow.closed and seqs(slow.pending) == [1, 2, 3]


def test_unsubscribed_streams_are_forgotten() -> None:
    log = EventLog(keep=10)
    streams = [log.subscribe(ALICE, None), log.subscribe(None, None)]
    for stream in streams:
        log.unsubscribe(stream)
    log.publish("message", ALICE, 7)
    assert all(stream.closed and not stream.pending for stream in streams)
    assert log._chat_subscribers == {} and log._all_subscribers == set()


async def test_closed_streams_leave_no_subscription(
    sandbox: RunningTelegramSandbox, bot: Bot, alice: ChatUser, client: SandboxClient
) -> None:
    for n in range(3):

        def says_n(message: JSON, n: int = n) -> bool:
            return message.get("text") == str(n)

        waiting = asyncio.create_task(alice.wait_for(says_n))
        await bot.send_message(ALICE, str(n))
        await asyncio.wait_for(waiting, 10)
    # The server notices each closed stream at its next event for that chat.
    await bot.send_message(ALICE, "after")
    log = sandbox.sandbox.events
    async with asyncio.timeout(5):
        while log._chat_subscribers:  # noqa: ASYNC110 - no event marks a stream's end
            await asyncio.sleep(0.01)


async def test_shutdown_ends_open_streams(sandbox: RunningTelegramSandbox) -> None:
    url = f"{sandbox.url}/sandbox/events"
    async with (
        aiohttp.ClientSession() as http,
        http.get(url, params={"user_id": ALICE}) as stream,
    ):
        assert await stream.content.readline() == b": connected\n"
        closing = asyncio.create_task(sandbox.close())
        async with asyncio.timeout(5):
            assert await stream.content.read() == b"\n"
        await closing
