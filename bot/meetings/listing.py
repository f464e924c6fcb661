"""A group's meetings in the directory: listing and unlisting it, the invite link the bot
makes for it, and the check that the link still works.

The way into a listed group is always an invite link the bot creates for the group
(createChatInviteLink, with join requests if the admins want to approve people), never a
member's name or link; so listing needs the bot to be an admin that may invite. Off
revokes the link and removes the group at once. A link that stops working (revoked, the
bot's rights taken away, the bot gone) is found by a check every LINK_CHECK_EVERY, and
the group is unlisted and its admins told.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import ChatMember
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.meetings.directory import Entry, soonest
from bot.platform.privacy import SealError
from bot.platform.store import Listing
from bot.plumbing.priority import BROADCAST
from bot.plumbing.types import App
from bot.services import Services, services_of

logger = logging.getLogger(__name__)

LINK_NAME = "Porchlight directory"
LINK_CHECK_EVERY = timedelta(hours=6)
CHECKS_PER_TICK = 50


class CannotInvite(Exception):
    """The bot may not make invite links in the group: not an admin with that right."""


async def may_invite(app: App, chat_id: int) -> bool:
    try:
        member = await app.bot.get_chat_member(chat_id, app.bot.id)
    except TelegramError:
        return False
    if member.status == ChatMember.OWNER:
        return True
    return member.status == ChatMember.ADMINISTRATOR and bool(
        getattr(member, "can_invite_users", False)
    )


async def list_group(
    app: App, chat_id: int, *, language: str, newcomers: bool, approval: bool
) -> Listing:
    """The group in the directory with a new link (any older one of the bot's revoked)."""
    svc = services_of(app.bot_data)
    if not await may_invite(app, chat_id):
        raise CannotInvite
    group = svc.keyring.pseudonym(chat_id)
    before = await svc.store.listing(group)
    try:
        link = await app.bot.create_chat_invite_link(
            chat_id, name=LINK_NAME, creates_join_request=approval
        )
    except (BadRequest, Forbidden) as refused:
        raise CannotInvite from refused
    listing = Listing(
        group=group,
        sealed_chat=svc.keyring.seal(chat_id),
        invite_link=link.invite_link,
        language=language,
        newcomers=newcomers,
        approval=approval,
        checked_at=svc.clock(),
    )
    await svc.store.list_group(listing, svc.clock())
    if before is not None:
        await _revoke(app, chat_id, before.invite_link)
    return listing


async def unlist_group(app: App, chat_id: int) -> bool:
    """Out of the directory at once, its link revoked; whether it was listed."""
    svc = services_of(app.bot_data)
    group = svc.keyring.pseudonym(chat_id)
    listing = await svc.store.listing(group)
    if listing is None:
        return False
    await svc.store.unlist_group(group)
    await _revoke(app, chat_id, listing.invite_link)
    return True


async def _revoke(app: App, chat_id: int, link: str) -> None:
    try:
        await app.bot.revoke_chat_invite_link(chat_id, link)
    except TelegramError as error:  # already revoked, or the bot lost the right
        logger.info("a directory link was not revoked: %s", type(error).__name__)


async def check_links(app: App, now: datetime) -> int:
    """The listings not checked for LINK_CHECK_EVERY (by any instance): each link still
    works, or the group leaves the directory and its admins are told. How many failed."""
    svc = services_of(app.bot_data)
    failed = 0
    for listing in await svc.store.claim_listings_to_check(now, LINK_CHECK_EVERY, CHECKS_PER_TICK):
        try:
            chat_id = svc.keyring.unseal(listing.sealed_chat)
        except SealError:
            await svc.store.unlist_group(listing.group)
            continue
        if await _works(app, chat_id, listing):
            continue
        failed += 1
        await svc.store.unlist_group(listing.group)
        logger.info("a listed group's link stopped working; it left the directory")
        try:
            await app.bot.send_message(
                chat_id,
                svc.catalog.text("meeting.listing_link_failed", listing.language),
                parse_mode=ParseMode.HTML,
                rate_limit_args=BROADCAST,
            )
        except TelegramError as error:  # the bot is gone from the group too
            logger.info("a group's admins could not be told: %s", type(error).__name__)
    return failed


async def _works(app: App, chat_id: int, listing: Listing) -> bool:
    """Whether the link is still the group's and usable; a network failure is not an
    answer (the next check asks again). The Bot API cannot read a link, only edit it,
    and an edit sets every setting: so the same ones, or approval would be turned off."""
    try:
        found = await app.bot.edit_chat_invite_link(
            chat_id,
            listing.invite_link,
            name=LINK_NAME,
            creates_join_request=listing.approval,
        )
    except (BadRequest, Forbidden):
        return False
    except TelegramError:
        return True
    return not found.is_revoked


async def meeting_soon(svc: Services, now: datetime, language: str) -> Entry | None:
    """A listed meeting in the member's language starting now or soon, to offer them."""
    return soonest(await svc.listed_meetings.read(svc.store), now, language=language)
