"""The demo terminal, driven with a line feed for stdin and a StringIO for stdout."""

import asyncio
import io
import queue

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.sim import BotApiSimulator
from bot.sim.terminal import run_terminal


class LineFeed(io.StringIO):
    """stdin whose readline blocks until the test feeds a line ('' is end of input)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: queue.Queue[str] = queue.Queue()

    def feed(self, line: str) -> None:
        self.lines.put(line + "\n")

    def readline(self, size: int | None = -1, /) -> str:  # type: ignore[override]
        try:
            return self.lines.get(timeout=10)
        except queue.Empty:
            return ""  # nothing more was fed: end of input


async def wait_for_output(out: io.StringIO, text: str) -> None:
    for _ in range(200):
        if text in out.getvalue():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{text!r} never appeared in:\n{out.getvalue()}")


async def test_buttons_are_numbered_and_pressing_sends_a_callback(
    sim: BotApiSimulator, bot: Bot
) -> None:
    stdin, stdout = LineFeed(), io.StringIO()
    terminal = asyncio.create_task(run_terminal(sim, stdin=stdin, stdout=stdout))
    stdin.feed("/start")
    hello = await sim.wait_for(
        lambda: next(
            (
                m
                for c in sim.world.chats.values()
                for m in c.messages.values()
                if m.text == "/start"
            ),
            None,
        )
    )
    assert hello.sender is not None
    assert hello.sender.first_name == "Alex"
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Take", callback_data="take")],
            [InlineKeyboardButton("Leave", callback_data="leave")],
        ]
    )
    sent = await bot.send_message(hello.chat_id, "Sam needs a call.", reply_markup=keyboard)
    await wait_for_output(stdout, "[Porchlight] Sam needs a call.")
    assert "  [1] Take\n  [2] Leave" in stdout.getvalue()

    stdin.feed(":1")
    await sim.wait_for(lambda: any("callback_query" in u for u in sim.pending_updates))
    [press] = [u["callback_query"] for u in sim.pending_updates if "callback_query" in u]
    assert press["data"] == "take"
    assert press["message"]["message_id"] == sent.message_id

    await bot.edit_message_text("Taken.", hello.chat_id, sent.message_id)
    await wait_for_output(stdout, "[Porchlight] (edited) Taken.")

    stdin.feed(":as Sam")
    stdin.feed(":in group")
    stdin.feed(":who")
    await wait_for_output(stdout, "You are Sam, in Evening Group.")
    stdin.feed(":quit")
    await asyncio.wait_for(terminal, 5)
    assert stdout.getvalue().rstrip().endswith("Bye.")


async def test_end_of_input_quits(sim: BotApiSimulator) -> None:
    stdout = io.StringIO()
    await asyncio.wait_for(run_terminal(sim, stdin=io.StringIO(""), stdout=stdout), 5)
    assert ":inline WORDS" in stdout.getvalue()
    assert "Bye." in stdout.getvalue()
