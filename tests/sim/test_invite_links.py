"""Chat invite links in the simulator, through python-telegram-bot's Bot over real HTTP."""

import time

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden

from bot.sim import BotApiSimulator

NO_RIGHTS = r"(?i)^not enough rights to manage chat invite link$"


async def test_an_admin_bot_creates_a_link(sim: BotApiSimulator, bot: Bot) -> None:
    group = sim.add_group("Hall", bot_is_admin=True)
    expires = int(time.time()) + 3600
    link = await bot.create_chat_invite_link(
        group.id, name="Porchlight directory", expire_date=expires, member_limit=10
    )
    assert link.invite_link.startswith("https://t.me/+")
    assert len(link.invite_link.removeprefix("https://t.me/+")) == 16
    assert link.creator.id == sim.bot_user.id
    assert (link.name, link.member_limit) == ("Porchlight directory", 10)
    assert link.expire_date is not None
    assert int(link.expire_date.timestamp()) == expires
    assert (link.is_primary, link.is_revoked, link.creates_join_request) == (False, False, False)
    assert [stored.invite_link for stored in sim.invite_links(group)] == [link.invite_link]


async def test_a_link_may_ask_for_approval_but_then_has_no_member_limit(
    sim: BotApiSimulator, bot: Bot
) -> None:
    group = sim.add_group("Hall", bot_is_admin=True)
    link = await bot.create_chat_invite_link(group.id, creates_join_request=True)
    assert link.creates_join_request
    assert link.member_limit is None
    with pytest.raises(
        BadRequest, match=r"(?i)member limit can't be specified for links requiring"
    ):
        await bot.create_chat_invite_link(group.id, creates_join_request=True, member_limit=5)
    assert len(sim.invite_links(group)) == 1


async def test_a_long_name_is_cut_to_32_characters_as_telegram_does(
    sim: BotApiSimulator, bot: Bot
) -> None:
    group = sim.add_group("Hall", bot_is_admin=True)
    link = await bot.create_chat_invite_link(group.id, name="  a   b " + "x" * 40)
    assert link.name == "a b " + "x" * 26


async def test_a_bot_without_the_right_or_the_chat_is_refused(
    sim: BotApiSimulator, bot: Bot
) -> None:
    alex = sim.add_user("Alex", started=True)
    group = sim.add_group("Hall", admins=[alex])
    sim.set_member_status(group, sim.bot_user, "member")
    with pytest.raises(BadRequest, match=NO_RIGHTS):
        await bot.create_chat_invite_link(group.id)
    sim.set_member_status(group, sim.bot_user, "administrator", can_invite_users=False)
    with pytest.raises(BadRequest, match=NO_RIGHTS):
        await bot.create_chat_invite_link(group.id)
    sim.set_member_status(group, sim.bot_user, "creator")  # the owner has every right
    await bot.create_chat_invite_link(group.id)
    sim.set_member_status(group, sim.bot_user, "kicked")
    with pytest.raises(
        Forbidden, match=r"(?i)^forbidden: bot was kicked from the supergroup chat$"
    ):
        await bot.create_chat_invite_link(group.id)
    with pytest.raises(BadRequest, match=r"(?i)^can't invite members to a private chat$"):
        await bot.create_chat_invite_link(alex.id)
    with pytest.raises(BadRequest, match=r"(?i)^can't invite members to a private chat$"):
        await bot.export_chat_invite_link(alex.id)


async def test_an_edit_replaces_every_setting(sim: BotApiSimulator, bot: Bot) -> None:
    group = sim.add_group("Hall", bot_is_admin=True)
    link = await bot.create_chat_invite_link(group.id, name="Old", creates_join_request=True)
    edited = await bot.edit_chat_invite_link(group.id, link.invite_link, name="New")
    assert edited.invite_link == link.invite_link
    assert edited.name == "New"
    # Like Telegram: a setting left out of the edit goes back to its default.
    assert not edited.creates_join_request
    [stored] = sim.invite_links(group)
    assert (stored.name, stored.creates_join_request) == ("New", False)
    other = sim.add_group("Elsewhere", bot_is_admin=True)
    with pytest.raises(BadRequest, match=r"(?i)^INVITE_HASH_EXPIRED$"):
        await bot.edit_chat_invite_link(other.id, link.invite_link, name="New")


async def test_a_revoked_link_cannot_be_edited(sim: BotApiSimulator, bot: Bot) -> None:
    group = sim.add_group("Hall", bot_is_admin=True)
    first = await bot.create_chat_invite_link(group.id, name="First")
    revoked = await bot.revoke_chat_invite_link(group.id, first.invite_link)
    assert revoked.is_revoked
    assert revoked.name == "First"
    with pytest.raises(BadRequest, match=r"(?i)^INVITE_HASH_EXPIRED$"):
        await bot.edit_chat_invite_link(group.id, first.invite_link, name="First")
    with pytest.raises(BadRequest, match=r"(?i)^INVITE_HASH_EXPIRED$"):
        await bot.revoke_chat_invite_link(group.id, first.invite_link)
    # An admin revokes every link in the app.
    second = await bot.create_chat_invite_link(group.id, name="Second")
    assert [link.invite_link for link in sim.revoke_invite_links(group)] == [second.invite_link]
    assert sim.invite_links(group, revoked=False) == []
    with pytest.raises(BadRequest, match=r"(?i)^INVITE_HASH_EXPIRED$"):
        await bot.edit_chat_invite_link(group.id, second.invite_link, name="Second")


async def test_a_bot_that_lost_the_right_cannot_edit_its_link(
    sim: BotApiSimulator, bot: Bot
) -> None:
    alex = sim.add_user("Alex")
    group = sim.add_group("Hall", admins=[alex], bot_is_admin=True)
    link = await bot.create_chat_invite_link(group.id, name="Directory")
    sim.set_member_status(group, sim.bot_user, "administrator", can_invite_users=False)
    with pytest.raises(BadRequest, match=NO_RIGHTS):
        await bot.edit_chat_invite_link(group.id, link.invite_link, name="Directory")
    sim.my_chat_member_update(group, alex, "member")  # demoted
    with pytest.raises(BadRequest, match=NO_RIGHTS):
        await bot.edit_chat_invite_link(group.id, link.invite_link, name="Directory")
    with pytest.raises(BadRequest, match=NO_RIGHTS):
        await bot.revoke_chat_invite_link(group.id, link.invite_link)
    [kept] = sim.invite_links(group)
    assert not kept.is_revoked  # the link stays, as on Telegram
    sim.my_chat_member_update(group, alex, "left")  # removed
    with pytest.raises(
        Forbidden, match=r"(?i)^forbidden: bot is not a member of the supergroup chat$"
    ):
        await bot.edit_chat_invite_link(group.id, link.invite_link, name="Directory")


async def test_export_makes_a_new_primary_link(sim: BotApiSimulator, bot: Bot) -> None:
    group = sim.add_group("Hall", supergroup=False, bot_is_admin=True)
    first = await bot.export_chat_invite_link(group.id)
    assert first.startswith("https://t.me/+")
    assert (await bot.get_chat(group.id)).invite_link == first
    second = await bot.export_chat_invite_link(group.id)
    assert second != first
    assert [(link.is_primary, link.is_revoked) for link in sim.invite_links(group)] == [
        (True, True),
        (True, False),
    ]
    # Revoking the primary link makes another, as Telegram does.
    await bot.revoke_chat_invite_link(group.id, second)
    [live] = sim.invite_links(group, revoked=False)
    assert live.is_primary
    assert (await bot.get_chat(group.id)).invite_link == live.invite_link
    sim.set_member_status(group, sim.bot_user, "administrator", can_invite_users=False)
    with pytest.raises(BadRequest, match=NO_RIGHTS):
        await bot.export_chat_invite_link(group.id)
