"""Crisis safety: every text a member sends is assessed once, before any feature sees it.

The handler runs in its own early group, so a crisis answer goes out before anything
else (the learned layer runs beside the event loop: bot/safety/assessor.py), and it
leaves the verdict for later handlers of the same update in bot/safety/recent.py (the
fallback stays quiet after a crisis answer; the relay and the etiquette read it too).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.handlers.answer_view import send_answer
from bot.handlers.common import (
    NEW_MESSAGES,
    SAFETY_GROUP,
    App,
    Context,
    chat_pseudonym,
    is_group_admin,
    is_private,
    just_had_a_crisis,
    member_pseudonym,
    reply,
    services,
    speaker,
    text,
    words_of,
)
from bot.peers.room import in_peer_flow
from bot.safety import Assessment, Level
from bot.safety.resources import AnswerKind
from bot.safety.rules import assess_rules

logger = logging.getLogger(__name__)


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
    after_crisis = not is_command and await just_had_a_crisis(update, context)
    verdict, embedding = await svc.assessor.assess_and_embed(words, after_crisis=after_crisis)
    # Only where the etiquette will take it: a new group message that is no command.
    if (
        embedding is not None
        and update.message is not None
        and not is_command
        and not is_private(update)
    ):
        svc.verdicts.note_embedding(update.update_id, embedding, svc.clock())
    if verdict.level is Level.CRISIS:
        await svc.recent_crises.note(speaker(update, context), svc.clock())
    svc.verdicts.note_verdict(update.update_id, verdict, svc.clock())
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
    here = chat_pseudonym(update, context)
    if not svc.verdicts.first_answer(here, message.message_id, update.update_id, svc.clock()):
        return
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
