"""The relay: one side's words to the other, paced, in order, under an alias.

Every message goes as a new message with protect_content: never a forward, never a reply
quote, never a name. Each chat's sends wait in the room's pacer (bot/plumbing/pacer.py),
at their turn among every instance's (bot/peers/turns.py), so one member's flood cannot
hold up another chat.
"""

from __future__ import annotations

from telegram import Message
from telegram.error import Forbidden

from bot.peers.matching import Pair
from bot.peers.service import HTML, leave_everything, room_of, say
from bot.peers.shared_room import shared_room_of
from bot.peers.turns import in_turn
from bot.platform.privacy import Pseudonym
from bot.plumbing.pacer import Job
from bot.plumbing.priority import CRISIS
from bot.plumbing.types import App

# Telegram's limit for one message, counted in UTF-16 units; a chunk of this many
# characters stays under it even if every character needs two units.
_CHUNK = 2000


def _chunks(words: str) -> list[str]:
    return [words[i : i + _CHUNK] for i in range(0, len(words), _CHUNK)] or [""]


async def pass_on(app: App, pair: Pair, who: Pseudonym, words: str) -> int:
    """who's words to the other side, under who's alias; the other side's backlog after."""
    peers = room_of(app)
    other = pair.other(who)
    other_chat = peers.chat_ids[other]
    alias = pair.alias_of(who)
    peers.log_of(pair).recent.append((alias, words[:500]))
    backlog = 0
    for chunk in _chunks(words):
        body = say(app, other, "peer.relay", alias=alias, text=chunk)
        backlog = await in_turn(app, other_chat, _sender(app, other, body))
    return backlog


async def pass_on_sticker(app: App, pair: Pair, who: Pseudonym, message: Message) -> int:
    """A sticker, copied to the other side; the other side's backlog after."""
    peers = room_of(app)
    other = pair.other(who)
    peers.log_of(pair).recent.append((pair.alias_of(who), "[sticker]"))
    return await in_turn(app, peers.chat_ids[other], _copier(app, other, message))


async def pass_on_urgently(app: App, to: Pseudonym, body: str) -> None:
    """A note from the bot to one side of the chat, ahead of the rate limits' queue."""
    peers = room_of(app)
    await in_turn(app, peers.chat_ids[to], _sender(app, to, body, priority=CRISIS))


def _sender(app: App, to: Pseudonym, body: str, *, priority: str | None = None) -> Job:
    async def send() -> None:
        chat_id = await _still_chatting(app, to)
        if chat_id is None:
            return  # the chat ended while this waited
        try:
            sent = await app.bot.send_message(
                chat_id, body, parse_mode=HTML, protect_content=True, rate_limit_args=priority
            )
        except Forbidden:
            await leave_everything(app, to, notify_self=False)
            return
        _note_sent(app, to, sent.message_id)

    return send


def _copier(app: App, to: Pseudonym, message: Message) -> Job:
    from_chat, message_id = message.chat_id, message.message_id

    async def copy() -> None:
        chat_id = await _still_chatting(app, to)
        if chat_id is None:
            return
        try:
            sent = await app.bot.copy_message(chat_id, from_chat, message_id, protect_content=True)
        except Forbidden:
            await leave_everything(app, to, notify_self=False)
            return
        _note_sent(app, to, sent.message_id)

    return copy


async def _still_chatting(app: App, to: Pseudonym) -> int | None:
    """Where to send a paced message, if its reader is still in the chat."""
    await shared_room_of(app).refresh()
    peers = room_of(app)
    chat_id = peers.chat_ids.get(to)
    return chat_id if to in peers.matchmaker.pairs else None


def _note_sent(app: App, to: Pseudonym, message_id: int) -> None:
    """The copy's id, kept for the offer to delete copies when the chat ends."""
    shared_room_of(app).change_soon(lambda peers: peers.note_sent(to, message_id))
