"""Crisis safety: every text a member sends is assessed once, before any feature sees it.

The handler runs in its own early group, so a crisis answer goes out before anything
else (the learned layer runs beside the event loop: bot/safety/assessor.py), and it
leaves the verdict for later handlers of the same update (the fallback stays quiet after
a crisis answer; later, the relay and the etiquette read it too).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.handlers.common import (
    NEW_MESSAGES,
    App,
    Context,
    chat_pseudonym,
    is_group_admin,
    is_private,
    member_pseudonym,
    reply,
    services,
    text,
)
from bot.handlers.resources import send_answer
from bot.peers.room import in_peer_flow
from bot.safety import Assessment, Level
from bot.safety.assessor import Who
from bot.safety.model import Vectors
from bot.safety.resources import AnswerKind
from bot.safety.rules import assess_rules

logger = logging.getLogger(__name__)

# Before every feature's handlers (group 0) and anything else that reads messages.
SAFETY_GROUP = -10
_VERDICTS = "porchlight.verdicts"
_ANSWERED = "porchlight.answered"
_ANSWERED_UPDATES = "porchlight.answered_updates"
# A group message's embedding, handed to the etiquette (which takes it at once) so the
# encoder reads each meeting message once.
_EMBEDDINGS = "porchlight.embeddings"
_RECENT = (_VERDICTS, _ANSWERED, _ANSWERED_UPDATES, _EMBEDDINGS)
# Only the last few are kept, in memory, for a few minutes: enough for later handlers of
# the same update and for an edit of a recent message, never a record.
_REMEMBER = 1024
RECENT_FOR = timedelta(minutes=10)


class _Recent(OrderedDict[Any, Any]):
    """Oldest first; each value beside the time it was remembered."""

    def remember(self, key: Any, value: Any, now: datetime) -> None:
        self[key] = (value, now)
        self.move_to_end(key)
        while len(self) > _REMEMBER:
            self.popitem(last=False)

    def recall(self, key: Any) -> Any:
        found = self.get(key)
        return None if found is None else found[0]

    def sweep(self, now: datetime) -> None:
        while self and now - next(iter(self.values()))[1] > RECENT_FOR:
            self.popitem(last=False)


def _recent(context: Context, name: str) -> _Recent:
    return _recent_in(context.application.bot_data, name)


def _recent_in(bot_data: dict[Any, Any], name: str) -> _Recent:
    found = bot_data.get(name)
    if not isinstance(found, _Recent):
        found = bot_data[name] = _Recent()
    return found


def recent_held(bot_data: dict[Any, Any]) -> int:
    """How many verdicts and answered messages memory holds (the memory inventory)."""
    return sum(
        len(_recent_in(bot_data, name)) for name in (_VERDICTS, _ANSWERED, _ANSWERED_UPDATES)
    )


def embeddings_held(bot_data: dict[Any, Any]) -> int:
    """How many embeddings wait for the etiquette (the memory inventory): none, once every
    update that left one has been handled."""
    return len(_recent_in(bot_data, _EMBEDDINGS))


def let_go_of_recent(bot_data: dict[Any, Any], now: datetime, chat: str | None = None) -> None:
    """The memory tick: verdicts and answers older than a few minutes go. With chat (a
    keyed pseudonym, after /forget), everything about that chat goes at once."""
    for name in _RECENT:
        recent = _recent_in(bot_data, name)
        recent.sweep(now)
        if chat is not None and name == _ANSWERED:
            for key in [key for key in recent if key[0] == chat]:
                del recent[key]


def verdict_of(context: Context, update: Update) -> Assessment | None:
    """The crisis assessment of this update's text, if it had any."""
    found = _recent(context, _VERDICTS).recall(update.update_id)
    return found if isinstance(found, Assessment) else None


def take_embedding(context: Context, update: Update) -> Vectors | None:
    """This update's embedding, worked out with its crisis assessment, if it had one; taken,
    so it is held no longer than the update."""
    found = _recent(context, _EMBEDDINGS).pop(update.update_id, None)
    return None if found is None else found[0]


def was_answered(context: Context, update: Update) -> bool:
    """Whether this update got a crisis or concern answer (later handlers stay quiet)."""
    return update.update_id in _recent(context, _ANSWERED_UPDATES)


def _speaker(update: Update, context: Context) -> Who:
    return (chat_pseudonym(update, context), member_pseudonym(update, context))


def just_had_a_crisis(update: Update, context: Context) -> bool:
    """Whether this member had a crisis verdict in this chat in the last few minutes."""
    svc = services(context)
    return svc.recent_crises.within(_speaker(update, context), svc.clock())


def words_of(message: Message) -> str:
    """The member's own words: text or caption, without a leading /command."""
    words = message.text or message.caption or ""
    if words.startswith("/"):
        _, _, words = words.partition(" ")
    return words.strip()


def looks_like_a_crisis(update: object) -> bool:
    """The rules' quick read, to let an update in first when every place is taken."""
    message = update.effective_message if isinstance(update, Update) else None
    words = "" if message is None else words_of(message)
    return bool(words) and assess_rules(words).level is Level.CRISIS


async def assess_message(update: Update, context: Context) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or chat.type == ChatType.CHANNEL:
        return
    words = words_of(message)
    if not words:
        return
    svc = services(context)
    # A command's words are usually a search or a setting ("/library cravings").
    is_command = (message.text or message.caption or "").startswith("/")
    # Their next words of their own within a few minutes of a crisis are read in that
    # light; a search for "craving" is not more distress.
    after_crisis = not is_command and just_had_a_crisis(update, context)
    verdict, embedding = await svc.assessor.assess_and_embed(words, after_crisis=after_crisis)
    # Only where the etiquette will take it: a new group message that is no command.
    if (
        embedding is not None
        and update.message is not None
        and not is_command
        and not is_private(update)
    ):
        _recent(context, _EMBEDDINGS).remember(update.update_id, embedding, svc.clock())
    if verdict.level is Level.CRISIS:
        svc.recent_crises.note(_speaker(update, context), svc.clock())
    _recent(context, _VERDICTS).remember(update.update_id, verdict, svc.clock())
    if verdict.level is Level.NONE:
        return
    # A command's words get an answer for a crisis, never the gentler one meant for a
    # member's own words.
    if verdict.level is Level.CONCERN and (is_command or not is_private(update)):
        return
    # Plain words in a private chat short of a crisis get one answer, the chat's own
    # (bot/handlers/conversation.py): it knows what they are about, and brings the lines.
    if verdict.level is Level.CONCERN and message.text is not None:
        return
    # In a check-in or a peer chat someone is already asking what would help: a gentle
    # answer from the bot would only interrupt. Crisis answers always go out.
    if verdict.level is Level.CONCERN and in_peer_flow(
        context.application.bot_data, member_pseudonym(update, context)
    ):
        return
    # One answer per message: an edit of a message already answered gets no second one.
    answered = _recent(context, _ANSWERED)
    key = (chat_pseudonym(update, context), message.message_id)
    if key in answered:
        return
    answered.remember(key, True, svc.clock())
    _recent(context, _ANSWERED_UPDATES).remember(update.update_id, True, svc.clock())
    if is_private(update):
        await _answer_privately(update, context, verdict)
    else:
        await _post_in_group(update, context, verdict)


async def _answer_privately(update: Update, context: Context, verdict: Assessment) -> None:
    if verdict.is_overdose:
        kind, counter = AnswerKind.OVERDOSE, "overdose_private"
    elif verdict.level is Level.CRISIS:
        kind, counter = AnswerKind.CRISIS, "crisis_private"
    else:
        kind, counter = AnswerKind.CONCERN, "concern_private"
    await send_answer(update, context, kind)
    await _count(context, counter)


async def _post_in_group(update: Update, context: Context, verdict: Assessment) -> None:
    """A post for everyone in the thread, replying to no one; never a rule break."""
    svc = services(context)
    group = chat_pseudonym(update, context)
    if group is None or not await svc.store.crisis_posts_enabled(group, svc.clock()):
        return
    kind = AnswerKind.OVERDOSE if verdict.is_overdose else AnswerKind.GROUP
    await send_answer(update, context, kind)
    await _count(context, "overdose_group" if verdict.is_overdose else "crisis_group")


async def _count(context: Context, name: str) -> None:
    svc = services(context)
    await svc.store.count(name, svc.clock())
    logger.info("sent a crisis-safety answer (%s)", name)


async def crisis_posts(update: Update, context: Context) -> None:
    """/crisisposts on|off: group admins choose; private answers can never be turned off."""
    if is_private(update):
        await reply(update, context, text(update, context, "crisis.private_only_setting"))
        return
    svc = services(context)
    group = chat_pseudonym(update, context)
    assert group is not None
    choice = (context.args or [""])[0].lower()
    if choice not in ("on", "off"):
        enabled = await svc.store.crisis_posts_enabled(group, svc.clock())
        state = text(update, context, "crisis.state_on" if enabled else "crisis.state_off")
        await reply(update, context, text(update, context, "crisis.posts_usage", state=state))
        return
    if not await is_group_admin(update, context):
        await reply(update, context, text(update, context, "crisis.admins_only"))
        return
    await svc.store.set_crisis_posts(group, choice == "on", svc.clock())
    await reply(update, context, text(update, context, f"crisis.posts_{choice}"))


def register(application: App) -> None:
    member_words = (filters.TEXT | filters.CAPTION) & ~filters.UpdateType.CHANNEL_POSTS
    application.add_handler(MessageHandler(member_words, assess_message), group=SAFETY_GROUP)
    application.add_handler(CommandHandler("crisisposts", crisis_posts, filters=NEW_MESSAGES))
