"""A real PTB Application, polling the simulator unchanged."""

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.sim import BotApiSimulator


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "Someone needs a call. Take it?",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Take", callback_data="take")]]),
    )


async def take(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Thank you")
    await query.edit_message_text("Taken by you.")


@pytest.fixture
async def app(sim: BotApiSimulator) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    application = ApplicationBuilder().token(sim.token).base_url(sim.base_url).build()
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(take))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        yield application
        await application.updater.stop()
        await application.stop()


async def test_command_and_button_round_trip(
    sim: BotApiSimulator,
    app: Application,  # type: ignore[type-arg]
) -> None:
    alex = sim.add_user("Alex", username="alex_demo")
    chat = sim.private_chat(alex)
    hello = sim.send_text(alex, "/start")
    offer = await sim.next_bot_message(chat, after=hello.message_id)
    assert offer.text == "Someone needs a call. Take it?"
    query_id = sim.press_button(alex, offer, data="take")
    await sim.wait_for(lambda: offer.edited)
    assert offer.text == "Taken by you."
    assert offer.buttons == []
    assert sim.callback_answers[query_id]["text"] == "Thank you"
    assert sim.calls_to("forwardMessage") == []
