"""The simulated world: users, chats, members and messages, and their Bot API JSON forms."""

from __future__ import annotations

import itertools
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

BOT_ID = 7000000001
BOT_USERNAME = "porchlight_sim_bot"
ANONYMOUS_ADMIN_ID = 1087968824  # Telegram's GroupAnonymousBot
CHANNEL_BOT_ID = 136817688  # Telegram's Channel_Bot: the "from" of posts sent as a channel
ACTIVE_STATUSES = frozenset({"creator", "administrator", "member", "restricted"})
# ChatMemberAdministrator's boolean fields; PTB requires most of them to be present.
ADMIN_RIGHTS = (
    "can_be_edited",
    "is_anonymous",
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_post_messages",
    "can_edit_messages",
    "can_pin_messages",
    "can_manage_topics",
)
DEFAULT_ADMIN_RIGHTS = {
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_restrict_members": True,
    "can_invite_users": True,
    "can_pin_messages": True,
    "can_manage_topics": True,
}
# ChatMemberRestricted's permission fields.
MEMBER_PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
)
FORUM_TOPIC_ICON_COLOR = 7322096
INVITE_LINK_PREFIX = "https://t.me/+"
MAX_INVITE_LINK_NAME = 32
_NAME_SPACES_RE = re.compile(r"[ \n]+")


def now() -> int:
    return int(time.time())


@dataclass
class SimUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False
    started: bool = False  # the user has a private chat with the bot
    blocked: bool = False  # the user blocked the bot

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass
class SimMember:
    status: str  # creator, administrator, member, restricted, left, kicked
    rights: dict[str, bool] = field(default_factory=dict)
    until_date: int = 0

    def can(self, right: str) -> bool:
        if self.status == "creator":
            return True
        return self.status == "administrator" and self.rights.get(right, False)


@dataclass
class SimButton:
    text: str
    callback_data: str | None = None
    url: str | None = None
    switch_inline_query: str | None = None
    switch_inline_query_current_chat: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class SimInviteLink:
    """A chat's invite link; a revoked one stays listed, as Telegram keeps it."""

    invite_link: str
    creator: SimUser
    name: str = ""
    expire_date: int = 0  # 0: never expires
    member_limit: int = 0  # 0: no limit
    creates_join_request: bool = False
    is_primary: bool = False
    is_revoked: bool = False

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "invite_link": self.invite_link,
            "creator": self.creator.to_api(),
            "creates_join_request": self.creates_join_request,
            "is_primary": self.is_primary,
            "is_revoked": self.is_revoked,
        }
        if self.name:
            data["name"] = self.name
        if self.expire_date:
            data["expire_date"] = self.expire_date
        if self.member_limit:
            data["member_limit"] = self.member_limit
        return data


def clean_link_name(name: str) -> str:
    """The name as TDLib keeps it (clean_name): cut to 32 characters, spaces run together."""
    return _NAME_SPACES_RE.sub(" ", name.strip()[:MAX_INVITE_LINK_NAME]).strip()


@dataclass(eq=False)
class SimChat:
    id: int
    type: str  # private, group, supergroup, channel
    title: str | None = None
    user: SimUser | None = None  # the other side of a private chat
    is_forum: bool = False
    topics: dict[int, str] = field(default_factory=dict)  # message_thread_id -> name
    closed_topics: set[int] = field(default_factory=set)  # only admins post in these
    members: dict[int, SimMember] = field(default_factory=dict)
    messages: dict[int, SimMessage] = field(default_factory=dict)
    pinned: set[int] = field(default_factory=set)
    invite_links: dict[str, SimInviteLink] = field(default_factory=dict)  # by the link itself
    migrated_to: int | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_message_id(self) -> int:
        return next(self._ids)

    def member(self, user_id: int) -> SimMember:
        return self.members.get(user_id) or SimMember("left")

    @property
    def last_message_id(self) -> int:
        return max(self.messages, default=0)

    def add_invite_link(self, creator: SimUser, **fields: Any) -> SimInviteLink:
        link = SimInviteLink(INVITE_LINK_PREFIX + secrets.token_urlsafe(12), creator, **fields)
        self.invite_links[link.invite_link] = link
        return link

    def primary_link(self, creator: SimUser) -> SimInviteLink | None:
        """The creator's primary link not yet revoked (each administrator has their own)."""
        for link in self.invite_links.values():
            if link.is_primary and not link.is_revoked and link.creator is creator:
                return link
        return None

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.user is not None:
            user = self.user.to_api()
            data.update({k: user[k] for k in ("first_name", "last_name", "username") if k in user})
        if self.title is not None:
            data["title"] = self.title
        if self.is_forum:
            data["is_forum"] = True
        return data

    def full_info(self) -> dict[str, Any]:
        data = self.to_api()
        data.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        if self.type in ("group", "supergroup"):
            data["permissions"] = dict.fromkeys(MEMBER_PERMISSIONS, True)
        return data


@dataclass(eq=False)
class SimMessage:
    chat: SimChat
    message_id: int
    date: int
    sender: SimUser | None  # the "from" user; None for channel posts
    from_bot: bool = False
    sender_chat: SimChat | None = None
    text: str | None = None  # plain text, entities already parsed out
    html: str | None = None  # the text exactly as sent
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    thread_id: int | None = None
    is_topic_message: bool = False
    reply_to: SimMessage | None = None
    protect_content: bool = False
    deleted: bool = False
    edited: int = 0  # how many times it was edited
    edit_date: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # service fields, media, caption

    @property
    def chat_id(self) -> int:
        return self.chat.id

    @property
    def buttons(self) -> list[list[SimButton]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [
            [
                SimButton(
                    text=str(button.get("text", "")),
                    callback_data=button.get("callback_data"),
                    url=button.get("url"),
                    switch_inline_query=button.get("switch_inline_query"),
                    switch_inline_query_current_chat=button.get("switch_inline_query_current_chat"),
                    raw=dict(button),
                )
                for button in row
            ]
            for row in rows
        ]

    def to_api(self, *, with_reply: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": self.chat.to_api(),
        }
        if self.sender is not None:
            data["from"] = self.sender.to_api()
        if self.sender_chat is not None:
            data["sender_chat"] = self.sender_chat.to_api()
        if self.thread_id is not None:
            data["message_thread_id"] = self.thread_id
        if self.is_topic_message:
            data["is_topic_message"] = True
        if self.reply_to is not None and with_reply:
            # Telegram does not nest replies further than one level.
            data["reply_to_message"] = self.reply_to.to_api(with_reply=False)
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = self.entities
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup
        if self.protect_content:
            data["has_protected_content"] = True
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        data.update(self.extra)
        return data


def member_to_api(user: SimUser, member: SimMember) -> dict[str, Any]:
    data: dict[str, Any] = {"status": member.status, "user": user.to_api()}
    if member.status == "creator":
        data["is_anonymous"] = member.rights.get("is_anonymous", False)
    elif member.status == "administrator":
        data.update({right: member.rights.get(right, False) for right in ADMIN_RIGHTS})
    elif member.status == "restricted":
        data.update({perm: member.rights.get(perm, True) for perm in MEMBER_PERMISSIONS})
        data["is_member"] = member.rights.get("is_member", True)
        data["until_date"] = member.until_date
    elif member.status == "kicked":
        data["until_date"] = member.until_date
    return data


class World:
    """Everything the simulated Telegram knows; ids are allocated here."""

    def __init__(self) -> None:
        self.bot = SimUser(
            BOT_ID, "Porchlight", username=BOT_USERNAME, language_code=None, is_bot=True
        )
        self.anonymous_admin = SimUser(
            ANONYMOUS_ADMIN_ID,
            "Group",
            username="GroupAnonymousBot",
            language_code=None,
            is_bot=True,
        )
        self.channel_bot = SimUser(
            CHANNEL_BOT_ID, "Channel", username="Channel_Bot", language_code=None, is_bot=True
        )
        self.users: dict[int, SimUser] = {BOT_ID: self.bot}
        self.chats: dict[int, SimChat] = {}
        self._user_ids = itertools.count(100000001)
        self._group_ids = itertools.count(4000000001)
        self._supergroup_ids = itertools.count(1000000000001)  # becomes -100...

    def new_user(self, first_name: str, *, user_id: int | None = None, **fields: Any) -> SimUser:
        if user_id is not None and user_id in self.users:
            raise ValueError(f"user id {user_id} is taken")
        user = SimUser(user_id or next(self._user_ids), first_name, **fields)
        self.users[user.id] = user
        return user

    def new_chat(
        self, kind: str, title: str, *, forum: bool = False, chat_id: int | None = None
    ) -> SimChat:
        if chat_id is not None and chat_id in self.chats:
            raise ValueError(f"chat id {chat_id} is taken")
        if chat_id is None:
            # Basic groups have short negative ids; supergroups and channels share -100...
            ids = self._group_ids if kind == "group" else self._supergroup_ids
            chat_id = -next(ids)
        chat = SimChat(chat_id, kind, title=title, is_forum=forum)
        self.chats[chat.id] = chat
        return chat

    def private_chat(self, user: SimUser, *, create: bool = True) -> SimChat | None:
        chat = self.chats.get(user.id)
        if chat is None and create:
            chat = SimChat(user.id, "private", user=user)
            self.chats[user.id] = chat
        return chat

    def add_message(self, chat: SimChat, sender: SimUser | None, **fields: Any) -> SimMessage:
        message = SimMessage(
            chat, chat.next_message_id(), now(), sender, from_bot=sender is self.bot, **fields
        )
        chat.messages[message.message_id] = message
        return message

    def find_message(self, chat_id: int, message_id: int) -> SimMessage | None:
        chat = self.chats.get(chat_id)
        message = chat.messages.get(message_id) if chat is not None else None
        return None if message is None or message.deleted else message
