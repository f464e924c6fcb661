"""The terminal chat behind `python -m bot --demo`: you play the members, the bot answers."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import textwrap
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.sim.server import BotApiSimulator
from bot.sim.state import SimChat, SimMessage, SimUser

_LONDON = ZoneInfo("Europe/London")
BOT_LABEL = "Porchlight"
SETTLE_SECONDS = 3.0
_ANSWERS = frozenset(
    {
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
        "copyMessage",
        "sendPhoto",
        "sendDocument",
        "answerInlineQuery",
    }
)
WRAP = 76
# The moderators' chat the demo's bot is told about (PORCHLIGHT_MODERATOR_CHAT), so a
# member can volunteer as a listener and a moderator can approve them.
MODERATORS_CHAT = -1009000000001
BANNER = """\
Porchlight demo: you are a member chatting with the bot on a simulated Telegram.
Type a message (or a /command) and press Enter. Lines starting with ':' are for the demo:
  :1 .. :N (or just N)  press button N under the bot's latest message here
  :as NAME              become another member: Alex (chairs "Evening Group" and
                        moderates) or Sam (try /listen, then :as Alex, :in moderators)
  :in private|group|forum|moderators   move to your private chat, "Evening Group",
                        the "Monday meeting" topic of "Fellowship Hall", or the
                        moderators' chat
  :inline WORDS         try the bot's inline mode
  :who                  who and where you are
  :help                 this list
  :quit                 leave (Ctrl-D and Ctrl-C work too)
Try: /checkin, /today, /library, /meetings, or just write; in the group, /meeting start.
"""
# "Evening Group" has a meeting on the schedule, listed in the directory, starting between
# this long after the demo starts and five minutes more (at a five-minute mark in London).
LISTED_MEETING_IN = timedelta(minutes=41)


@dataclass
class _Place:
    name: str
    chat: SimChat | None  # None: the current member's private chat with the bot
    thread_id: int | None = None


class _Terminal:
    def __init__(self, sim: BotApiSimulator, stdout: TextIO) -> None:
        self.sim = sim
        self.out = stdout
        alex = sim.add_user("Alex", username="alex_demo")
        sam = sim.add_user("Sam", username="sam_demo")
        self.cast = {"alex": alex, "sam": sam}
        group = sim.add_group("Evening Group", members=[sam], admins=[alex])
        forum = sim.add_group("Fellowship Hall", forum=True, members=[sam], admins=[alex])
        moderators = sim.add_group("Moderators", members=[], admins=[alex], chat_id=MODERATORS_CHAT)
        topic = sim.add_topic(forum, "Monday meeting", by=alex)
        for chat in (group, forum, moderators):
            # Someone adds the bot as an admin, so it hears about the group as it would live.
            sim.set_member_status(chat, sim.bot_user, "left")
            sim.my_chat_member_update(chat, alex, "administrator")
        self.places = {
            "private": _Place("private chat with Porchlight", None),
            "group": _Place("Evening Group", group),
            "forum": _Place("Fellowship Hall / Monday meeting", forum, topic),
            "moderators": _Place("the moderators' chat", moderators),
        }
        self.me = alex
        self.here = self.places["private"]
        self._shown: dict[tuple[int, int], int] = {}  # (chat, message) -> edit count shown
        self._gone: set[tuple[int, int]] = set()
        self._answers_shown: set[str] = set()
        self._mark_existing()

    async def start_quietly(self) -> None:
        """Let the bot greet the groups it was just added to before the person types: the
        greetings are not theirs to read first."""
        greeted = {place.chat.id for place in self.places.values() if place.chat is not None}

        def all_greeted() -> bool:
            said = {
                m.chat.id
                for c in list(self.sim.world.chats.values())
                for m in list(c.messages.values())
                if m.from_bot
            }
            return greeted <= said

        try:
            await self.sim.wait_for(all_greeted, timeout=SETTLE_SECONDS)
        except TimeoutError:
            pass  # no bot is answering (the terminal's own tests): nothing to set up
        else:
            await self._list_a_meeting()
        self._mark_existing()

    async def _list_a_meeting(self) -> None:
        """Alex schedules the group's evening meeting and lists it, so /meetings has one
        to show (and the bot posts its notice and opens it when the time comes)."""
        group = self.places["group"].chat
        assert group is not None
        # The last five-minute mark before now + LISTED_MEETING_IN + 5 minutes: after
        # now + LISTED_MEETING_IN, whatever the seconds, so asking /meetings a moment later
        # still shows it in 40-odd minutes.
        later = datetime.now(_LONDON) + LISTED_MEETING_IN + timedelta(minutes=5)
        start = later.replace(minute=later.minute - later.minute % 5, second=0, microsecond=0)
        for command in (
            "/zone Europe/London",
            f"/meeting schedule daily {start:%H:%M} Evening meeting",
            "/meeting listing on en newcomers",
        ):
            sent = self.sim.send_text(self.cast["alex"], command, chat=group)
            with contextlib.suppress(TimeoutError):
                await self.sim.next_bot_message(
                    group, after=sent.message_id, timeout=SETTLE_SECONDS
                )

    def _mark_existing(self) -> None:
        for chat in self.sim.world.chats.values():
            for message in chat.messages.values():
                self._shown[(chat.id, message.message_id)] = message.edited

    def write(self, text: str) -> None:
        self.out.write(text if text.endswith("\n") else text + "\n")
        self.out.flush()

    def chat_here(self) -> SimChat:
        return self.here.chat or self.sim.private_chat(self.me)

    # --- bot output ---------------------------------------------------------------------------

    def _label(self, message: SimMessage) -> str:
        chat = message.chat
        # Looked up, never created: a new chat while the world's chats are being read
        # would change them under the reader.
        here = self.here.chat or self.sim.world.private_chat(self.me, create=False)
        if chat is here and message.thread_id == self.here.thread_id:
            return BOT_LABEL
        if chat.type == "private" and chat.user is not None:
            return f"{BOT_LABEL} -> {chat.user.first_name}, private"
        topic = chat.topics.get(message.thread_id or 0)
        return f"{BOT_LABEL} -> {chat.title}" + (f" / {topic}" if topic else "")

    def _render(self, message: SimMessage, edited: bool) -> str:
        label = f"[{self._label(message)}]" + (" (edited)" if edited else "")
        body = message.text or message.extra.get("caption") or _media_name(message)
        lines = [
            textwrap.fill(
                paragraph,
                WRAP,
                initial_indent=label + " " if i == 0 else "  ",
                subsequent_indent="  ",
            )
            or "  "
            for i, paragraph in enumerate(str(body).split("\n"))
        ]
        number = 1
        for row in message.buttons:
            cells = []
            for button in row:
                cells.append(f"[{number}] {button.text}")
                number += 1
            lines.append("  " + "  ".join(cells))
        return "\n".join(lines)

    def pending_output(self) -> list[str] | None:
        """Text for anything new since the last look: bot messages, edits, removals, popups."""
        lines: list[str] = []
        for chat in list(self.sim.world.chats.values()):
            for message in list(chat.messages.values()):
                key = (chat.id, message.message_id)
                if message.deleted:
                    if key not in self._gone:
                        self._gone.add(key)
                        who = BOT_LABEL if message.from_bot else _sender_name(message)
                        lines.append(f"  (a message from {who} was removed)")
                    continue
                if not message.from_bot:
                    continue
                shown = self._shown.get(key)
                if shown is None or shown != message.edited:
                    self._shown[key] = message.edited
                    lines.append(self._render(message, edited=shown is not None))
        for query_id, answer in self.sim.callback_answers.items():
            if query_id not in self._answers_shown:
                self._answers_shown.add(query_id)
                if answer.get("text"):
                    kind = "alert" if answer.get("show_alert") else "notice"
                    lines.append(f"  ({BOT_LABEL} {kind}: {answer['text']})")
        return lines or None

    async def show_bot_output(self) -> None:
        while True:
            lines = await self.sim.wait_for(self.pending_output, timeout=3600)
            for line in lines:
                self.write(line)

    # --- your input ---------------------------------------------------------------------------

    async def handle(self, line: str) -> bool:
        """Act on one line; False means quit."""
        text = line.strip()
        if not text:
            return True
        if text.isdigit():
            text = ":" + text
        if not text.startswith(":"):
            since = len(self.sim.calls)
            self.say(text)
            await self.settle(since)
            return True
        command, _, rest = text[1:].partition(" ")
        command, rest = command.lower(), rest.strip()
        if command in ("quit", "q", "exit"):
            return False
        if command.isdigit():
            since = len(self.sim.calls)
            self.press(int(command))
            await self.settle(since)
        elif command == "as":
            self.switch_member(rest)
        elif command == "in":
            self.switch_place(rest)
        elif command == "inline":
            await self.inline(rest)
        elif command == "who":
            self.write(f"  You are {self.me.first_name}, in {self.here.name}.")
        elif command == "help":
            self.write(BANNER)
        else:
            self.write(f"  Unknown command :{command} (try :help)")
        return True

    async def settle(self, since: int) -> None:
        """Give the bot a moment to answer before the next line, so typed-ahead or piped
        input (`:1` right after a command) acts on the answer it was meant for."""

        def answered() -> bool:
            return any(call.method in _ANSWERS for call in self.sim.calls[since:])

        with contextlib.suppress(TimeoutError):
            await self.sim.wait_for(answered, timeout=SETTLE_SECONDS)
            await asyncio.sleep(0.1)  # a reply often comes in two calls (answer, then send)

    def say(self, text: str) -> None:
        try:
            self.sim.send_text(self.me, text, chat=self.here.chat, thread_id=self.here.thread_id)
        except ValueError as error:
            self.write(f"  (can't send: {error})")

    def press(self, number: int) -> None:
        messages = self.sim.messages(self.chat_here(), thread_id=self.here.thread_id)
        with_buttons = [m for m in messages if m.buttons]
        if not with_buttons:
            self.write("  (no buttons here yet)")
            return
        message = with_buttons[-1]
        buttons = [button for row in message.buttons for button in row]
        if not 1 <= number <= len(buttons):
            self.write(f"  (choose a button from 1 to {len(buttons)})")
            return
        button = buttons[number - 1]
        if button.callback_data is not None:
            self.write(f"  (you pressed {button.text!r})")
            self.sim.press_button(self.me, message, index=number - 1)
        elif button.url is not None:
            self.write(f"  (that button opens {button.url})")
        else:
            self.write(f"  (the {button.text!r} button does something the demo can't show)")

    def switch_member(self, name: str) -> None:
        member = self.cast.get(name.lower())
        if member is None:
            self.write(f"  (no member called {name!r}; try {', '.join(_names(self.cast))})")
            return
        self.me = member
        self.write(f"  You are now {member.first_name}, in {self.here.name}.")

    def switch_place(self, where: str) -> None:
        place = self.places.get(where.lower())
        if place is None:
            self.write(f"  (go :in {' | :in '.join(self.places)})")
            return
        self.here = place
        self.write(f"  You are now in {place.name}.")

    async def inline(self, words: str) -> None:
        query_id = self.sim.inline_query(self.me, words)
        try:
            results = await self.sim.wait_for(lambda: self.sim.inline_answers.get(query_id), 5.0)
        except TimeoutError:
            self.write("  (no inline answer from the bot)")
            return
        if not results:
            self.write("  (the bot offered no results)")
        for number, result in enumerate(results, 1):
            title = result.get("title") or result.get("id")
            self.write(f"  {number}. {title}")


def _names(cast: dict[str, SimUser]) -> list[str]:
    return [user.first_name for user in cast.values()]


def _sender_name(message: SimMessage) -> str:
    if message.sender_chat is not None:
        return message.sender_chat.title or "a chat"
    return message.sender.first_name if message.sender else "someone"


def _media_name(message: SimMessage) -> str:
    for kind in ("photo", "sticker", "document"):
        if kind in message.extra:
            return f"({kind})"
    return "(message)"


def _start_reader(stdin: TextIO, lines: asyncio.Queue[str | None]) -> threading.Event:
    """Read stdin on a daemon thread: a blocked read must not keep the process alive at exit.

    Returns the event that tells the thread the terminal is done with it.
    """
    loop = asyncio.get_running_loop()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                line = stdin.readline()
            except Exception:  # a broken stdin is the end of input, not a crash in a thread
                line = ""
            if done.is_set():
                return
            try:
                loop.call_soon_threadsafe(lines.put_nowait, line or None)
            except RuntimeError:
                return  # the event loop has closed: nobody is listening any more
            if not line:
                return

    threading.Thread(target=read, name="demo-stdin", daemon=True).start()
    return done


async def run_terminal(
    sim: BotApiSimulator, *, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout
) -> None:
    """Chat with the bot through `sim` until :quit, end of input or Ctrl-C."""
    terminal = _Terminal(sim, stdout)
    await terminal.start_quietly()
    terminal.write(BANNER)
    terminal.write(f"  You are {terminal.me.first_name}, in {terminal.here.name}. Say /start.")
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    reader_done = _start_reader(stdin, lines)
    printer = asyncio.create_task(terminal.show_bot_output())
    try:
        while True:
            line = await lines.get()
            if line is None or not await terminal.handle(line):
                break
    except (asyncio.CancelledError, KeyboardInterrupt):
        pass  # Ctrl-C: leave as quietly as :quit
    finally:
        reader_done.set()
        printer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await printer
        for text in terminal.pending_output() or ():
            terminal.write(text)
        terminal.write("  Bye.")
