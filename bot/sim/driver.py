"""The test and demo side of the simulator: people act (injection) and we look (observation).

Each action stores what it creates in the world and queues the Update Telegram would send,
so the bot sees it on its next getUpdates.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from bot.sim.limits import utf16_len
from bot.sim.state import (
    ACTIVE_STATUSES,
    DEFAULT_ADMIN_RIGHTS,
    FORUM_TOPIC_ICON_COLOR,
    SimChat,
    SimInviteLink,
    SimMember,
    SimMessage,
    SimUser,
    World,
    member_to_api,
    now,
)
from bot.sim.updates import UpdateQueue
from bot.sim.webhook_pusher import WebhookPusher

T = TypeVar("T")
_MENTION_RE = re.compile(r"@[A-Za-z0-9_]{5,32}")


class SimDriver:
    def __init__(self) -> None:
        self.world = World()
        self._changed = asyncio.Event()
        self.closing = asyncio.Event()  # set on stop: ends long polls and held-back answers
        self.updates = UpdateQueue(self._notify)
        # Set webhooks get their updates pushed, as Telegram does; otherwise getUpdates.
        self.pusher = WebhookPusher(self.updates)
        # Privacy mode (Telegram's default): in groups where the bot is not an admin it only
        # sees commands, replies to its messages, mentions of it and service messages.
        self.privacy_mode = True
        self.callback_queries: dict[str, dict[str, Any]] = {}  # id -> the CallbackQuery
        self.callback_answers: dict[str, dict[str, Any]] = {}  # id -> answerCallbackQuery params
        self.inline_queries: dict[str, dict[str, Any]] = {}
        self.inline_answers: dict[str, list[dict[str, Any]]] = {}  # id -> results
        self._channel: SimChat | None = None

    @property
    def bot_user(self) -> SimUser:
        return self.world.bot

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued and not yet confirmed by getUpdates (or posted to a webhook)."""
        return self.updates.pending

    def _notify(self) -> None:
        self.pusher.nudge()
        # Swap the event so each waiter wakes once per change and then waits for the next.
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _deliver(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self.updates.push({kind: payload})

    # --- cast and places -------------------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        started: bool = False,
        user_id: int | None = None,
    ) -> SimUser:
        user = self.world.new_user(
            first_name,
            user_id=user_id,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        if started:
            user.started = True
            self.world.private_chat(user)
        return user

    def add_group(
        self,
        title: str,
        *,
        supergroup: bool = True,
        forum: bool = False,
        members: Iterable[SimUser] = (),
        admins: Iterable[SimUser] = (),
        bot_is_admin: bool = False,
        bot_can_delete: bool = False,
        chat_id: int | None = None,
    ) -> SimChat:
        kind = "supergroup" if supergroup or forum else "group"
        chat = self.world.new_chat(kind, title, forum=forum, chat_id=chat_id)
        for user in members:
            chat.members[user.id] = SimMember("member")
        for user in admins:
            chat.members[user.id] = SimMember("administrator", dict(DEFAULT_ADMIN_RIGHTS))
        if bot_is_admin or bot_can_delete:
            rights = {**DEFAULT_ADMIN_RIGHTS, "can_delete_messages": bot_can_delete}
            chat.members[self.world.bot.id] = SimMember("administrator", rights)
        else:
            chat.members[self.world.bot.id] = SimMember("member")
        return chat

    def add_topic(self, chat: SimChat, name: str, *, by: SimUser | None = None) -> int:
        """Open a forum topic; its id is the id of the forum_topic_created service message."""
        if not chat.is_forum:
            raise ValueError(f"{chat.title!r} is not a forum")
        creator = by or self._some_admin(chat) or self.world.bot
        message = self.world.add_message(
            chat,
            creator,
            is_topic_message=True,
            extra={"forum_topic_created": {"name": name, "icon_color": FORUM_TOPIC_ICON_COLOR}},
        )
        message.thread_id = message.message_id
        chat.topics[message.message_id] = name
        if creator is not self.world.bot:
            self._deliver_message(message)
        return message.message_id

    def close_topic(self, chat: SimChat, thread_id: int) -> None:
        """An admin closes a forum topic: only admins who manage topics post there now."""
        chat.closed_topics.add(thread_id)

    def reopen_topic(self, chat: SimChat, thread_id: int) -> None:
        chat.closed_topics.discard(thread_id)

    def set_member_status(self, chat: SimChat, user: SimUser, status: str, **rights: bool) -> None:
        base = dict(DEFAULT_ADMIN_RIGHTS) if status == "administrator" else {}
        chat.members[user.id] = SimMember(status, {**base, **rights})
        self._notify()

    def revoke_invite_links(self, chat: SimChat) -> list[SimInviteLink]:
        """An admin revokes every link of the chat in the app; returns those just revoked."""
        revoked = [link for link in chat.invite_links.values() if not link.is_revoked]
        for link in revoked:
            link.is_revoked = True
        self._notify()
        return revoked

    def _some_admin(self, chat: SimChat) -> SimUser | None:
        for status in ("creator", "administrator"):
            for user_id, member in chat.members.items():
                if member.status == status and user_id != self.world.bot.id:
                    return self.world.users[user_id]
        return None

    # --- people act ------------------------------------------------------------------------

    def send_text(
        self,
        user: SimUser,
        text: str,
        *,
        chat: SimChat | None = None,
        thread_id: int | None = None,
        reply_to: SimMessage | None = None,
        as_anonymous_admin: bool = False,
        as_channel: bool = False,
    ) -> SimMessage:
        """as_channel: a member posting in a group on behalf of a channel they own."""
        return self._user_message(
            user,
            chat,
            thread_id,
            reply_to,
            as_anonymous_admin=as_anonymous_admin,
            as_channel=as_channel,
            text=text,
            html=text,
            entities=self._text_entities(text),
        )

    def send_sticker(
        self,
        user: SimUser,
        *,
        chat: SimChat | None = None,
        thread_id: int | None = None,
        emoji: str = "🙂",
    ) -> SimMessage:
        file_id = f"sticker-{uuid.uuid4().hex[:12]}"
        sticker = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._user_message(user, chat, thread_id, None, extra={"sticker": sticker})

    def send_photo(
        self,
        user: SimUser,
        *,
        chat: SimChat | None = None,
        thread_id: int | None = None,
        caption: str | None = None,
    ) -> SimMessage:
        file_id = f"photo-{uuid.uuid4().hex[:12]}"
        extra: dict[str, Any] = {
            "photo": [{"file_id": file_id, "file_unique_id": file_id, "width": 800, "height": 600}]
        }
        if caption is not None:
            extra["caption"] = caption
        return self._user_message(user, chat, thread_id, None, extra=extra)

    def edit_text(self, user: SimUser, message: SimMessage, new_text: str) -> SimMessage:
        if message.sender is not user or message.text is None:
            raise ValueError("people can only edit their own text messages")
        message.text = message.html = new_text
        message.entities = self._text_entities(new_text)
        message.edited += 1
        message.edit_date = now()
        if self._bot_sees(message):
            self._deliver("edited_message", message.to_api())
        self._notify()
        return message

    def _the_channel(self) -> SimChat:
        if self._channel is None:
            self._channel = self.world.new_chat("channel", "Porchlight Channel")
            self._channel.members[self.world.bot.id] = SimMember(
                "administrator", {"can_post_messages": True}
            )
        return self._channel

    def channel_post(self, text: str) -> SimMessage:
        channel = self._the_channel()
        message = self.world.add_message(channel, None, sender_chat=channel, text=text, html=text)
        self._deliver("channel_post", message.to_api())
        return message

    def press_button(
        self,
        user: SimUser,
        message: SimMessage,
        *,
        index: int | None = None,
        data: str | None = None,
    ) -> str:
        """Press an inline button (rows flattened, index 0-based, or found by its data)."""
        buttons = [button for row in message.buttons for button in row]
        if index is not None:
            if not 0 <= index < len(buttons):
                raise ValueError(f"no button {index}; the message has {len(buttons)}")
            button = buttons[index]
        else:
            matches = [b for b in buttons if data is None or b.callback_data == data]
            if not matches:
                raise ValueError(f"no button with callback_data {data!r}")
            button = matches[0]
        if button.callback_data is None:
            raise ValueError(f"button {button.text!r} is not a callback button")
        return self.press_raw_callback(user, message, button.callback_data)

    def press_raw_callback(self, user: SimUser, message: SimMessage, data: str) -> str:
        """A callback query with any data, as a modified client could send."""
        if message.deleted:
            raise ValueError("the message was deleted")
        query_id = str(uuid.uuid4().int >> 64)
        query = {
            "id": query_id,
            "from": user.to_api(),
            "message": message.to_api(),
            "chat_instance": str(abs(message.chat_id) * 7919 % 10**12),
            "data": data,
        }
        self.callback_queries[query_id] = query
        self._deliver("callback_query", query)
        return query_id

    def inline_query(self, user: SimUser, query: str, chat_type: str = "sender") -> str:
        query_id = str(uuid.uuid4().int >> 64)
        payload = {
            "id": query_id,
            "from": user.to_api(),
            "query": query,
            "offset": "",
            "chat_type": chat_type,
        }
        self.inline_queries[query_id] = payload
        self._deliver("inline_query", payload)
        return query_id

    def chat_member_update(
        self, chat: SimChat, user: SimUser, old_status: str, new_status: str
    ) -> dict[str, Any]:
        """A member's status changes (a chat_member update, which bots must opt in to)."""
        old = SimMember(old_status)
        new = SimMember(
            new_status, dict(DEFAULT_ADMIN_RIGHTS) if new_status == "administrator" else {}
        )
        chat.members[user.id] = new
        return self._deliver(
            "chat_member",
            {
                "chat": chat.to_api(),
                "from": user.to_api(),
                "date": now(),
                "old_chat_member": member_to_api(user, old),
                "new_chat_member": member_to_api(user, new),
            },
        )

    def my_chat_member_update(
        self, chat: SimChat, by_user: SimUser, new_status: str
    ) -> dict[str, Any]:
        """Someone adds, promotes or removes the bot."""
        bot = self.world.bot
        old = chat.member(bot.id)
        rights = dict(DEFAULT_ADMIN_RIGHTS) if new_status == "administrator" else {}
        new = SimMember(new_status, rights)
        chat.members[bot.id] = new
        update = self._deliver(
            "my_chat_member",
            {
                "chat": chat.to_api(),
                "from": by_user.to_api(),
                "date": now(),
                "old_chat_member": member_to_api(bot, old),
                "new_chat_member": member_to_api(bot, new),
            },
        )
        if chat.type in ("group", "supergroup"):
            # Telegram also posts a service message into the group.
            joined = old.status not in ACTIVE_STATUSES and new_status in ACTIVE_STATUSES
            left = old.status in ACTIVE_STATUSES and new_status not in ACTIVE_STATUSES
            if joined or left:
                key = "new_chat_members" if joined else "left_chat_member"
                value: Any = [bot.to_api()] if joined else bot.to_api()
                message = self.world.add_message(chat, by_user, extra={key: value})
                if joined:
                    self._deliver_message(message)
        return update

    def migrate_group(self, chat: SimChat) -> SimChat:
        """Upgrade a basic group to a supergroup, with the two service messages Telegram sends."""
        if chat.type != "group":
            raise ValueError("only basic groups can be migrated")
        new_chat = self.world.new_chat("supergroup", chat.title or "")
        new_chat.members = {
            uid: SimMember(m.status, dict(m.rights)) for uid, m in chat.members.items()
        }
        chat.migrated_to = new_chat.id
        actor = self._some_admin(chat) or self.world.anonymous_admin
        old_note = self.world.add_message(chat, actor, extra={"migrate_to_chat_id": new_chat.id})
        new_note = self.world.add_message(
            new_chat, actor, sender_chat=chat, extra={"migrate_from_chat_id": chat.id}
        )
        self._deliver_message(old_note)
        self._deliver_message(new_note)
        return new_chat

    def block_bot(self, user: SimUser) -> None:
        user.blocked = True
        chat = self.world.private_chat(user)
        assert chat is not None
        self._deliver(
            "my_chat_member",
            {
                "chat": chat.to_api(),
                "from": user.to_api(),
                "date": now(),
                "old_chat_member": member_to_api(self.world.bot, SimMember("member")),
                "new_chat_member": member_to_api(self.world.bot, SimMember("kicked")),
            },
        )

    def inject_raw(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue any JSON as an update (even malformed); an update_id is added if missing."""
        return self.updates.push(update)

    def _user_message(
        self,
        user: SimUser,
        chat: SimChat | None,
        thread_id: int | None,
        reply_to: SimMessage | None,
        *,
        as_anonymous_admin: bool = False,
        as_channel: bool = False,
        **fields: Any,
    ) -> SimMessage:
        if chat is None:
            chat = self.world.private_chat(user)
            assert chat is not None
            user.started = True  # writing to the bot (Start sends /start) opens the chat
            user.blocked = False
        elif chat.type == "private":
            if chat.user is not user:
                raise ValueError("that private chat belongs to someone else")
            user.started, user.blocked = True, False
        else:
            member = chat.member(user.id)
            if member.status not in ACTIVE_STATUSES:
                raise ValueError(f"{user.first_name} is not a member of {chat.title!r}")
        if thread_id is not None:
            if thread_id not in chat.topics:
                raise ValueError(f"no topic {thread_id} in {chat.title!r}")
            if reply_to is None:
                # In a topic Telegram makes every message a reply to the topic's first message.
                reply_to = chat.messages[thread_id]
        sender, sender_chat = user, None
        if as_anonymous_admin:
            sender, sender_chat = self.world.anonymous_admin, chat
        elif as_channel:
            sender, sender_chat = self.world.channel_bot, self._the_channel()
        message = self.world.add_message(
            chat,
            sender,
            sender_chat=sender_chat,
            thread_id=thread_id,
            is_topic_message=thread_id is not None,
            reply_to=reply_to,
            **fields,
        )
        if self._bot_sees(message):
            self._deliver_message(message)
        else:
            self._notify()
        return message

    def _deliver_message(self, message: SimMessage) -> None:
        if message.chat.member(self.world.bot.id).status in ACTIVE_STATUSES or (
            message.chat.type == "private"
        ):
            self._deliver("message", message.to_api())

    def _bot_sees(self, message: SimMessage) -> bool:
        chat = message.chat
        if chat.type == "private":
            return True
        if chat.member(self.world.bot.id).status in ("creator", "administrator"):
            return True
        if not self.privacy_mode:
            return True
        text = message.text or str(message.extra.get("caption", ""))
        username = self.world.bot.username or ""
        if text.startswith("/"):
            command = text.split()[0]
            return "@" not in command or command.lower().endswith("@" + username.lower())
        if "@" + username.lower() in text.lower():
            return True
        return message.reply_to is not None and message.reply_to.from_bot

    def _text_entities(self, text: str) -> list[dict[str, Any]]:
        entities: list[dict[str, Any]] = []
        if text.startswith("/"):
            command = text.split()[0]
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command)})
        for match in _MENTION_RE.finditer(text):
            if match.start() == 0 or not text[match.start() - 1].isalnum():
                offset = utf16_len(text[: match.start()])
                entities.append(
                    {"type": "mention", "offset": offset, "length": utf16_len(match.group())}
                )
        return sorted(entities, key=lambda e: int(e["offset"]))

    # --- looking ---------------------------------------------------------------------------

    def private_chat(self, user: SimUser) -> SimChat:
        chat = self.world.private_chat(user)
        assert chat is not None
        return chat

    def invite_links(self, chat: SimChat, *, revoked: bool | None = None) -> list[SimInviteLink]:
        """The chat's links in order of creation; revoked True: only revoked, False: only live."""
        return [
            link
            for link in chat.invite_links.values()
            if revoked is None or link.is_revoked == revoked
        ]

    def messages(
        self, chat: SimChat, *, thread_id: int | None = None, from_bot: bool | None = True
    ) -> list[SimMessage]:
        """Live messages in order; from_bot True: the bot's, False: other people's, None: all."""
        return [
            message
            for message in chat.messages.values()
            if not message.deleted
            and (thread_id is None or message.thread_id == thread_id)
            and (from_bot is None or message.from_bot == from_bot)
        ]

    async def wait_for(
        self,
        predicate: Callable[[], T | bool | None],
        timeout: float = 5.0,  # noqa: ASYNC109 - the timeout is part of the driver API
    ) -> T:
        """Wait until predicate() returns something truthy (re-checked on every change)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = self._changed
            result = predicate()
            if result:
                return result  # type: ignore[return-value]
            remaining = deadline - loop.time()
            if remaining <= 0:
                name = getattr(predicate, "__name__", repr(predicate))
                raise TimeoutError(
                    f"simulator: condition {name} not met within {timeout:g}s; "
                    f"last calls: {self._recent_calls_summary()}"
                )
            # Re-check at least every 0.25 s: the world can change without a notification.
            # asyncio.timeout, not asyncio.wait_for: on Python 3.11 wait_for can swallow a
            # cancellation that lands while the inner wait finishes, hanging the caller.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(remaining, 0.25)):
                    await changed.wait()

    def _recent_calls_summary(self) -> str:
        return "(none)"

    async def next_bot_message(
        self,
        chat: SimChat,
        *,
        thread_id: int | None = None,
        after: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the timeout is part of the driver API
    ) -> SimMessage:
        """The first bot message in chat (and topic) with message_id > after.

        after defaults to the chat's last message id now; pass the id of the message you just
        sent (send_text returns it) to avoid missing a reply that came quickly.
        """
        floor = chat.last_message_id if after is None else after

        def bot_message_after() -> SimMessage | None:
            for message in self.messages(chat, thread_id=thread_id):
                if message.message_id > floor:
                    return message
            return None

        bot_message_after.__name__ = f"bot message in chat {chat.id} after #{floor}"
        return await self.wait_for(bot_message_after, timeout)
