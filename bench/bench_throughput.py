"""Throughput benchmark: Porchlight in polling mode, and a bare PTB echo bot as the
framework's ceiling, each as its own process against the local Bot API simulator.

Run: python bench/bench_throughput.py [--rates 50,100,200,400,800] [--seconds 5]

Telegram's rate limits are off in the simulator, to measure what the bot itself can do;
Porchlight's own limiter only queues scheduled broadcasts, and the mix has none. Each phase
offers a realistic mix at a fixed rate for `seconds`:
  40% private commands (/start, /help, /library), 20% button presses (library topics),
  25% relay messages in live peer chats (each member at most one a second, the pace the
  relay keeps for Telegram), 15% raised hands ("!") in running meetings.
Everything is set up through the bot first (listeners on shift, members checked in and
matched, meetings started). An update's latency runs from the simulator handing it to the
bot (getUpdates) to the bot's answer reaching the simulator: the reply, the relayed copy,
the button's answer or the meeting notice. Reported per phase: offered and achieved
updates a second, median and 99th-percentile latency; then each bot's saturation
throughput and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.sim import BotApiSimulator, SimChat, SimMessage, SimUser  # noqa: E402

PRIVATE_COMMANDS = ("/start", "/help", "/library")
RELAY_PACE = 1.1  # seconds between one member's relay messages
ANSWERING = frozenset({"sendMessage", "editMessageText", "answerCallbackQuery"})


@dataclass
class Expected:
    update_id: int
    watch: str  # a chat id as text, or "q:<callback query id>"
    user: SimUser


@dataclass
class Tracker:
    """Pairs each injected update with the bot's first answer to it (FIFO per chat)."""

    sim: BotApiSimulator
    waiting: dict[str, deque[Expected]] = field(default_factory=dict)
    busy: set[int] = field(default_factory=set)
    # When each peer-chat member last wrote: the relay paces each chat to one message a
    # second (Telegram's limit), so a member writes at most that often in the mix.
    last_relay: dict[int, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    answered: int = 0
    last_answer: float = 0.0
    _seen: int = 0

    def expect(self, update_id: int, watch: str, user: SimUser) -> None:
        self.busy.add(user.id)
        self.waiting.setdefault(watch, deque()).append(Expected(update_id, watch, user))

    def scan(self) -> None:
        calls = self.sim.calls
        served = self.sim.updates.served_at
        for call in calls[self._seen :]:
            if call.method not in ANSWERING or call.status != 200:
                continue
            if call.method == "answerCallbackQuery":
                watch = f"q:{call.params.get('callback_query_id')}"
            else:
                watch = str(call.params.get("chat_id"))
            queue = self.waiting.get(watch)
            if not queue:
                continue
            done = queue.popleft()
            self.busy.discard(done.user.id)
            self.answered += 1
            self.last_answer = call.at
            if done.update_id in served:
                self.latencies.append(call.at - served[done.update_id])
        self._seen = len(calls)

    @property
    def outstanding(self) -> int:
        return sum(len(q) for q in self.waiting.values())


@dataclass
class World:
    """Who sends what: private members, live peer pairs and running meetings."""

    private: list[tuple[SimUser, SimMessage]]  # a member and their /library menu
    pairs: list[tuple[SimUser, SimUser]]  # (member, listener)
    meetings: list[tuple[SimChat, list[SimUser]]]


async def answer_to(sim: BotApiSimulator, chat: SimChat, words: str, after: int) -> SimMessage:
    def found() -> SimMessage | None:
        for message in sim.messages(chat):
            if message.message_id > after and words in (message.text or ""):
                return message
        return None

    return await sim.wait_for(found, timeout=60)


async def build_world(
    sim: BotApiSimulator, echo: bool, private: int, pairs: int, meetings: int
) -> World:
    members = [sim.add_user(f"P{n}", started=True) for n in range(private)]
    menus = []
    for member in members:
        sent = sim.send_text(member, "/library" if not echo else "hello")
        menus.append(
            await sim.next_bot_message(sim.private_chat(member), after=sent.message_id, timeout=60)
        )
    peer_pairs = []
    for n in range(pairs):
        member = sim.add_user(f"Member{n}", started=True)
        listener = sim.add_user(f"Listener{n}", started=True)
        if not echo:
            await pair_up(sim, member, listener)
        peer_pairs.append((member, listener))
    groups = []
    for n in range(meetings):
        chair = sim.add_user(f"Chair{n}")
        hands = [sim.add_user(f"G{n}h{k}") for k in range(8)]
        group = sim.add_group(f"Group {n}", members=hands, admins=[chair], bot_is_admin=True)
        if not echo:
            sent = sim.send_text(chair, "/meeting start", chat=group)
            await sim.next_bot_message(group, after=sent.message_id, timeout=60)
        groups.append((group, hands))
    return World(list(zip(members, menus, strict=True)), peer_pairs, groups)


async def pair_up(sim: BotApiSimulator, member: SimUser, listener: SimUser) -> None:
    """Through the bot, as people would: a listener on shift, a check-in, an accepted offer."""
    listener_chat, member_chat = sim.private_chat(listener), sim.private_chat(member)
    sent = sim.send_text(listener, "/listen")
    guide = await answer_to(sim, listener_chat, "Listening, in six lines", sent.message_id)
    sim.press_button(listener, guide, index=0)
    await answer_to(sim, listener_chat, "on shift", guide.message_id)
    sent = sim.send_text(member, "/checkin")
    ask = await answer_to(sim, member_chat, "How are you", sent.message_id)
    sim.press_button(member, ask, index=2)
    helps = await answer_to(sim, member_chat, "What would help", ask.message_id)
    floor = listener_chat.last_message_id
    sim.press_button(member, helps, index=0)
    offer = await answer_to(sim, listener_chat, "asking to talk", floor)
    sim.press_button(listener, offer, index=0)
    await answer_to(sim, member_chat, "You're connected", helps.message_id)
    await answer_to(sim, listener_chat, "You're talking with", offer.message_id)


def inject(
    sim: BotApiSimulator, world: World, tracker: Tracker, echo: bool, rng: random.Random
) -> bool:
    """One update of the mix from a member with nothing outstanding; False if all are busy."""
    roll = rng.random()
    if roll < 0.60:
        free = [(u, m) for u, m in world.private if u.id not in tracker.busy]
        if not free:
            return False
        user, menu = rng.choice(free)
        if roll < 0.40:
            sim.send_text(user, rng.choice(PRIVATE_COMMANDS))
            tracker.expect(_last_update_id(sim), str(user.id), user)
        else:
            data = menu.buttons[0][0].callback_data if menu.buttons and not echo else "x"
            query_id = sim.press_raw_callback(user, menu, data or "x")
            tracker.expect(_last_update_id(sim), f"q:{query_id}", user)
        return True
    if roll < 0.85:
        now = time.monotonic()
        free_pairs = [
            (m, li)
            for m, li in world.pairs
            if m.id not in tracker.busy and now - tracker.last_relay.get(m.id, 0.0) > RELAY_PACE
        ]
        if not free_pairs:
            return False
        member, listener = rng.choice(free_pairs)
        sim.send_text(member, f"still here, thinking about tomorrow {rng.randrange(10**6)}")
        tracker.last_relay[member.id] = now
        watch = member.id if echo else listener.id
        tracker.expect(_last_update_id(sim), str(watch), member)
        return True
    free_hands = [(g, h) for g, hands in world.meetings for h in hands if h.id not in tracker.busy]
    if not free_hands:
        return False
    group, hand = rng.choice(free_hands)
    sim.send_text(hand, "!", chat=group)
    tracker.expect(_last_update_id(sim), str(group.id), hand)
    return True


def _last_update_id(sim: BotApiSimulator) -> int:
    return int(sim.updates.pending[-1]["update_id"])


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Phase:
    rate: int
    offered: float
    achieved: float
    latencies: list[float]
    bot_cpu: float  # share of one core the bot process used
    sim_cpu: float  # share of one core the simulator (this process) used


async def run_phase(
    sim: BotApiSimulator, world: World, echo: bool, rate: int, seconds: float
) -> tuple[float, float, list[float]]:
    tracker = Tracker(sim)
    tracker._seen = len(sim.calls)
    rng = random.Random(rate)  # noqa: S311 - a reproducible mix, not a secret
    start = time.monotonic()
    sent = 0
    while (now := time.monotonic()) - start < seconds:
        due = int((now - start) * rate)
        while sent < due and inject(sim, world, tracker, echo, rng):
            sent += 1
        tracker.scan()
        await asyncio.sleep(0.002)
    offered_until = time.monotonic()
    deadline = offered_until + 30
    while tracker.outstanding and time.monotonic() < deadline:
        tracker.scan()
        await asyncio.sleep(0.01)
    elapsed = max(tracker.last_answer, offered_until) - start
    return sent / seconds, tracker.answered / elapsed, tracker.latencies


async def start_bot(
    sim: BotApiSimulator, echo: bool, folder: Path, transport: str = ""
) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "PORCHLIGHT_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=sim.token,
        TELEGRAM_API_BASE_URL=sim.base_url,
        PORCHLIGHT_DATA_DIR=str(folder / "data"),
        PORCHLIGHT_SECRET="bench-" + "t" * 40,
        PORCHLIGHT_LISTENERS="open",
        PORCHLIGHT_LOG_LEVEL="WARNING",
        ECHO_TRANSPORT=transport,
    )
    script = [str(ROOT / "bench" / "echo_bot.py")] if echo else ["-m", "bot"]
    if not echo and os.environ.get("BENCH_PROFILE"):  # where to write the bot's cProfile
        script = ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"], *script]
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *script,
        cwd=str(ROOT),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def measure(echo: bool, rates: list[int], seconds: float, transport: str) -> list[Phase]:
    results = []
    async with BotApiSimulator() as sim:
        with tempfile.TemporaryDirectory() as folder:
            process = await start_bot(sim, echo, Path(folder), transport)
            try:
                world = await build_world(sim, echo, private=300, pairs=100, meetings=30)
                for rate in rates:
                    bot_before, sim_before = cpu_seconds(process.pid), time.process_time()
                    started = time.monotonic()
                    offered, achieved, latencies = await run_phase(sim, world, echo, rate, seconds)
                    wall = time.monotonic() - started
                    bot_cpu = (cpu_seconds(process.pid) - bot_before) / wall
                    sim_cpu = (time.process_time() - sim_before) / wall
                    results.append(Phase(rate, offered, achieved, latencies, bot_cpu, sim_cpu))
            finally:
                process.send_signal(signal.SIGTERM)
                await process.wait()
    return results


def percentile(values: list[float], q: int) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else 0.0
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="50,100,200,400,800,1200,1600")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    print(
        f"command: python bench/bench_throughput.py --rates {args.rates} --seconds {args.seconds}"
    )
    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores")
    print("the bot and the simulator in separate processes; rate limits off")
    saturation = {}
    bots = (
        ("porchlight", False, ""),
        ("echo, PTB's defaults (httpx)", True, ""),
        ("echo, Porchlight's transport (aiohttp)", True, "aiohttp"),
    )
    for name, echo, transport in bots:
        results = asyncio.run(measure(echo, rates, args.seconds, transport))
        print(f"\n{name}: offered/s  achieved/s  median ms  p99 ms  bot CPU  simulator CPU")
        for phase in results:
            lat = phase.latencies
            median = statistics.median(lat) * 1000 if lat else 0.0
            print(
                f"  {phase.rate:>5}: {phase.offered:8.0f} {phase.achieved:10.0f} {median:10.1f} "
                f"{percentile(lat, 99) * 1000:8.1f} {phase.bot_cpu:7.0%} {phase.sim_cpu:9.0%}"
            )
        saturation[name] = max(phase.achieved for phase in results)
    ours = saturation["porchlight"]
    print("\nsaturation (updates a second), and Porchlight's share of each ceiling:")
    for name, achieved in saturation.items():
        print(f"  {name}: {achieved:.0f}/s, ratio {ours / achieved:.2f}")


if __name__ == "__main__":
    main()
