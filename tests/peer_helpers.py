"""Steps the peer-chat tests share: a moderators' chat, listeners, check-ins and offers."""

from __future__ import annotations

from typing import Protocol

from bot.peers.service import room_of
from bot.sim import BotApiSimulator, SimChat, SimMessage, SimUser
from tests.conftest import Harness
from tests.test_e2e_foundation import button_labels, say

MODERATOR_CHAT = -1009990002
PEER_SETTINGS = {"moderator_chat": MODERATOR_CHAT}


async def bot_says(
    sim: BotApiSimulator,
    chat: SimChat,
    words: str,
    *,
    after: int = 0,
    timeout: float = 5.0,  # noqa: ASYNC109 - like the driver's own waits
) -> SimMessage:
    """The first bot message in chat after message id `after` whose text contains words."""

    def found() -> SimMessage | None:
        for message in sim.messages(chat):
            if message.message_id > after and words in (message.text or ""):
                return message
        return None

    found.__name__ = f"a bot message with {words!r} in chat {chat.id}"
    return await sim.wait_for(found, timeout)


def press(sim: BotApiSimulator, user: SimUser, message: SimMessage, label: str) -> None:
    sim.press_button(user, message, index=button_labels(message).index(label))


def fast_relay(harness: Harness) -> None:
    """The relay's one-a-second pacing, shortened so tests that do not measure it are quick."""
    room_of(harness.app).pacer.interval = 0.02


def moderators_chat(sim: BotApiSimulator) -> tuple[SimChat, SimUser]:
    moderator = sim.add_user("Moss", username="moss_mod")
    chat = sim.add_group(
        "Moderators", members=[moderator], admins=[moderator], chat_id=MODERATOR_CHAT
    )
    return chat, moderator


class RunsOnSim(Protocol):
    """A running bot, or several: what the steps below need of it."""

    @property
    def sim(self) -> BotApiSimulator: ...


async def approved_listener(
    harness: RunsOnSim,
    name: str,
    moderators: tuple[SimChat, SimUser],
    *,
    username: str = "",
    user_id: int | None = None,
) -> SimUser:
    """A member who accepts the guide, is approved by a moderator and starts a shift."""
    sim = harness.sim
    chat, moderator = moderators
    listener = sim.add_user(
        name, username=username or f"{name.lower()}_l", started=True, user_id=user_id
    )
    guide = await say(sim, listener, "/listen")
    assert "Listening, in six lines" in guide.text
    last_request = max((m.message_id for m in sim.messages(chat)), default=0)
    press(sim, listener, guide, "I'll listen this way")
    await bot_says(sim, sim.private_chat(listener), "asked the moderators", after=guide.message_id)
    request = await bot_says(sim, chat, "Listener request", after=last_request)
    press(sim, moderator, request, "Approve")
    await bot_says(sim, sim.private_chat(listener), "approved you", after=guide.message_id)
    await sim.wait_for(lambda: "is approved" in (request.text or ""))
    shift = await say(sim, listener, "/listen")
    assert "on shift" in shift.text
    return listener


async def check_in(
    sim: BotApiSimulator,
    member: SimUser,
    *,
    mood: str = "Having a rough time",
    words: str | None = None,
) -> SimMessage:
    """/checkin, a mood, maybe a few words, then "Talk with a peer now"; returns the
    bot's answer about the line."""
    chat = sim.private_chat(member)
    sent = sim.send_text(member, "/checkin")
    ask = await bot_says(sim, chat, "How are you, right now?", after=sent.message_id)
    press(sim, member, ask, mood)
    helps = await bot_says(sim, chat, "What would help", after=ask.message_id)
    if words is not None:
        sent = sim.send_text(member, words)
        helps = await bot_says(sim, chat, "Your words stay with me", after=sent.message_id)
    press(sim, member, helps, "Talk with a peer now")
    return await bot_says(sim, chat, "in line", after=helps.message_id)


async def offer_to(sim: BotApiSimulator, listener: SimUser, *, after: int = 0) -> SimMessage:
    return await bot_says(sim, sim.private_chat(listener), "asking to talk", after=after)


async def connect(
    sim: BotApiSimulator, member: SimUser, listener: SimUser, *, words: str | None = None
) -> tuple[SimMessage, SimMessage]:
    """Check in, take the offer; returns the two 'connected' messages (member, listener)."""
    listener_chat = sim.private_chat(listener)
    floor = listener_chat.last_message_id
    await check_in(sim, member, words=words)
    offer = await offer_to(sim, listener, after=floor)
    press(sim, listener, offer, "Take the chat")
    to_member = await bot_says(sim, sim.private_chat(member), "You're connected with")
    to_listener = await bot_says(sim, listener_chat, "You're talking with", after=floor)
    return to_member, to_listener


async def live_chat(
    harness: Harness, listener_name: str, member_name: str
) -> tuple[SimUser, SimUser]:
    """A listener approved and on shift, a member checked in and connected to them, and
    the relay's pacing shortened: the (listener, member) of a live peer chat."""
    fast_relay(harness)
    listener = await approved_listener(harness, listener_name, moderators_chat(harness.sim))
    member = harness.sim.add_user(member_name, started=True)
    await connect(harness.sim, member, listener)
    return listener, member


def last_text(sim: BotApiSimulator, user: SimUser) -> str:
    messages = sim.messages(sim.private_chat(user))
    return messages[-1].text or "" if messages else ""
