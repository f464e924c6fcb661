"""What the bot can really offer next, as buttons: a peer listener if one is on shift,
a check-in, something to read, today's reflection.

The bot cannot hold a conversation, so its answers never say "keep writing to me": they
offer what exists now, and say so honestly when no listener is on shift. The buttons are
pressed in bot/handlers/conversation.py.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, Update

from bot.handlers.common import Context, button_data, is_private, services, text
from bot.peers.room import room_in

FEATURE = "nx"
PEER, CHECKIN, READ, TODAY, LINES = "peer", "checkin", "read", "today", "lines"


def listener_on_shift(context: Context) -> bool:
    matchmaker = room_in(context.application.bot_data).matchmaker
    return matchmaker.on_shift(services(context).clock()) > 0


def next_steps_rows(
    update: Update, context: Context, *, lines: bool = False, checkin: bool = False
) -> list[list[InlineKeyboardButton]]:
    """Buttons for a private chat (a group gets none: its posts belong to everyone)."""
    if not is_private(update):
        return []

    def button(label_key: str, action: str) -> list[InlineKeyboardButton]:
        data = button_data(update, context, FEATURE, action)
        return [InlineKeyboardButton(text(update, context, label_key), callback_data=data)]

    rows = []
    if listener_on_shift(context):
        rows.append(button("checkin.help.peer", PEER))
    if checkin:
        rows.append(button("next.checkin", CHECKIN))
    rows.append(button("checkin.help.read", READ))
    rows.append(button("inline.today", TODAY))
    if lines:
        rows.append(button("buttons.people_now", LINES))
    return rows


def peer_note(update: Update, context: Context) -> str:
    """One honest sentence about the peer line, for an answer that offers it."""
    key = "next.peer_on_shift" if listener_on_shift(context) else "next.no_peer"
    return text(update, context, key)
