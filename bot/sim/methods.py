"""The Bot API methods the simulator carries out, each as Telegram would answer it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.sim import limits
from bot.sim.errors import ApiError, bad_request, forbidden
from bot.sim.state import (
    ACTIVE_STATUSES,
    SimChat,
    SimInviteLink,
    SimMember,
    SimMessage,
    SimUser,
    clean_link_name,
    member_to_api,
    now,
)

if TYPE_CHECKING:
    from bot.sim.driver import SimDriver

Handler = Callable[["Params"], Any]
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_NO_INVITE_RIGHTS = "not enough rights to manage chat invite link"
_MAX_MEMBER_LIMIT = 99999


IMPLEMENTED = (
    *("getMe", "logOut", "close", "getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo"),
    *("setMyCommands", "getMyCommands", "deleteMyCommands"),
    *("sendMessage", "editMessageText", "editMessageReplyMarkup", "deleteMessage"),
    *("deleteMessages",),
    *("answerCallbackQuery", "answerInlineQuery", "copyMessage", "forwardMessage"),
    *("sendPhoto", "sendDocument", "sendSticker", "sendChatAction"),
    *("getChat", "getChatMember", "getChatAdministrators", "getChatMemberCount"),
    *("pinChatMessage", "unpinChatMessage", "leaveChat"),
    *("banChatMember", "unbanChatMember", "restrictChatMember"),
    *("createChatInviteLink", "editChatInviteLink", "revokeChatInviteLink"),
    *("exportChatInviteLink",),
)


class Params:
    """Typed access to decoded parameters; tolerant of strings when no spec converted them."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def get_int(self, name: str, *, required: bool = False) -> int | None:
        value = self.values.get(name)
        if value is None:
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"can't parse {name}: expected Integer") from None

    def need_int(self, name: str) -> int:
        value = self.get_int(name, required=True)
        assert value is not None
        return value

    def get_str(self, name: str) -> str | None:
        value = self.values.get(name)
        return None if value is None else str(value)

    def get_bool(self, name: str) -> bool:
        value = self.values.get(name)
        return value in (True, "true", "True", "1", 1)

    def get_json(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name}: expected JSON") from None
        return value


class Methods:
    def __init__(self, sim: SimDriver) -> None:
        self.sim = sim
        self.world = sim.world
        self.webhook: dict[str, Any] | None = None
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.table: dict[str, Handler] = {name.lower(): getattr(self, name) for name in IMPLEMENTED}

    # --- chats, rights and targets -----------------------------------------------------------

    def chat(self, params: Params, name: str = "chat_id") -> SimChat:
        chat = self.world.chats.get(params.need_int(name))
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def writable_chat(self, params: Params) -> SimChat:
        """The chat the bot wants to post to, with Telegram's reasons for refusing."""
        chat_id = params.need_int("chat_id")
        chat = self.world.chats.get(chat_id)
        user = self.world.users.get(chat_id)
        if chat is None and user is None:
            raise bad_request("chat not found")
        if user is not None:
            if user.blocked:
                raise forbidden("bot was blocked by the user")
            if not user.started or chat is None:
                raise forbidden("bot can't initiate conversation with a user")
            return chat
        assert chat is not None
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=chat.migrated_to,
            )
        status = chat.member(self.world.bot.id).status
        if status not in ACTIVE_STATUSES:
            kind = "channel" if chat.type == "channel" else f"{chat.type} chat"
            verb = "was kicked from" if status == "kicked" else "is not a member of"
            raise forbidden(f"bot {verb} the {kind}")
        return chat

    def require_right(self, chat: SimChat, right: str, reason: str) -> None:
        if chat.type != "private" and not chat.member(self.world.bot.id).can(right):
            raise bad_request(reason)

    def thread(self, chat: SimChat, thread_id: int | None) -> tuple[int | None, bool]:
        if thread_id is None:
            return None, False
        if chat.is_forum and thread_id in chat.topics:
            return thread_id, True
        if not chat.is_forum and chat.type == "supergroup" and thread_id in chat.messages:
            return thread_id, False
        raise bad_request("message thread not found")

    def reply_target(self, chat: SimChat, params: Params, thread: int | None) -> SimMessage | None:
        reply = params.get_json("reply_parameters")
        if isinstance(reply, dict) and reply.get("message_id") is not None:
            target_chat = int(reply.get("chat_id") or chat.id)
            target = self.world.find_message(target_chat, int(reply["message_id"]))
            if target is None and not reply.get("allow_sending_without_reply"):
                raise bad_request("message to be replied not found")
            return target
        # In a topic, Telegram threads every message under the topic's first message.
        return chat.messages.get(thread) if thread is not None and chat.is_forum else None

    def own_message(self, params: Params, missing: str) -> SimMessage:
        message = self.world.find_message(params.need_int("chat_id"), params.need_int("message_id"))
        if message is None:
            raise bad_request(missing)
        return message

    def markup(self, params: Params) -> dict[str, Any] | None:
        markup = params.get_json("reply_markup")
        limits.check_inline_keyboard(markup)
        return markup if isinstance(markup, dict) else None

    def may_post(self, chat: SimChat, thread: int | None) -> None:
        """Telegram's refusals for a bot in the chat but not allowed to post there now."""
        bot = chat.member(self.world.bot.id)
        if bot.status == "restricted" and not bot.rights.get("can_send_messages", True):
            raise bad_request("not enough rights to send text messages to the chat")
        if thread in chat.closed_topics and not bot.can("can_manage_topics"):
            raise bad_request("TOPIC_CLOSED")

    def post(self, chat: SimChat, params: Params, **fields: Any) -> SimMessage:
        thread, is_topic = self.thread(chat, params.get_int("message_thread_id"))
        self.may_post(chat, thread)
        message = self.world.add_message(
            chat,
            self.world.bot,
            thread_id=thread,
            is_topic_message=is_topic,
            reply_to=self.reply_target(chat, params, thread),
            protect_content=params.get_bool("protect_content"),
            reply_markup=self.markup(params),
            **fields,
        )
        return message

    # --- the bot itself and updates ---------------------------------------------------------

    def getMe(self, params: Params) -> Any:
        return {
            **self.world.bot.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.sim.privacy_mode,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def logOut(self, params: Params) -> Any:
        return True

    def close(self, params: Params) -> Any:
        return True

    async def getUpdates(self, params: Params) -> Any:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        allowed = params.get_json("allowed_updates")
        return await self.sim.updates.get(
            offset=params.get_int("offset"),
            limit=min(100, max(1, params.get_int("limit") or 100)),
            wait_seconds=params.get_int("timeout") or 0,
            allowed_updates=allowed if isinstance(allowed, list) else None,
            closing=self.sim.closing,
        )

    def setWebhook(self, params: Params) -> Any:
        url = params.get_str("url") or ""
        if params.get_bool("drop_pending_updates"):
            self.sim.updates.drop_all()
        allowed = params.get_json("allowed_updates")
        if isinstance(allowed, list):
            self.sim.updates.allowed_updates = allowed
        self.webhook = {"url": url, "secret_token": params.get_str("secret_token")} if url else None
        self.sim.pusher.point_at(self.webhook)
        return True

    def deleteWebhook(self, params: Params) -> Any:
        if params.get_bool("drop_pending_updates"):
            self.sim.updates.drop_all()
        self.webhook = None
        self.sim.pusher.point_at(None)
        return True

    def getWebhookInfo(self, params: Params) -> Any:
        info: dict[str, Any] = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.sim.updates.pending),
        }
        if self.sim.updates.allowed_updates:
            info["allowed_updates"] = self.sim.updates.allowed_updates
        return info

    def _commands_key(self, params: Params) -> tuple[str, str]:
        scope = params.get_json("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.get_str("language_code") or ""

    def setMyCommands(self, params: Params) -> Any:
        commands = params.get_json("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands: expected Array of BotCommand")
        limits.check_commands(commands)
        self.commands[self._commands_key(params)] = commands
        return True

    def getMyCommands(self, params: Params) -> Any:
        return self.commands.get(self._commands_key(params), [])

    def deleteMyCommands(self, params: Params) -> Any:
        self.commands.pop(self._commands_key(params), None)
        return True

    # --- messages ---------------------------------------------------------------------------

    def _text_fields(self, params: Params) -> tuple[str, str, list[dict[str, Any]]]:
        raw = params.get_str("text") or ""
        plain, entities = limits.check_text(raw, params.get_str("parse_mode"))
        given = params.get_json("entities")
        if not params.get_str("parse_mode") and isinstance(given, list):
            entities = given
        return raw, plain, entities

    def sendMessage(self, params: Params) -> Any:
        chat = self.writable_chat(params)
        raw, plain, entities = self._text_fields(params)
        extra: dict[str, Any] = {}
        preview = params.get_json("link_preview_options")
        if isinstance(preview, dict):
            extra["link_preview_options"] = preview
        message = self.post(chat, params, text=plain, html=raw, entities=entities, extra=extra)
        return message.to_api()

    def editMessageText(self, params: Params) -> Any:
        if params.get_str("inline_message_id"):
            self._text_fields(params)
            return True
        message = self.own_message(params, "message to edit not found")
        if not message.from_bot or message.text is None:
            raise bad_request("message can't be edited")
        raw, plain, entities = self._text_fields(params)
        # Like Telegram, an edit without reply_markup removes the inline keyboard.
        markup = self.markup(params)
        if (plain, entities, markup) == (message.text, message.entities, message.reply_markup):
            raise bad_request(_NOT_MODIFIED)
        message.text, message.html, message.entities = plain, raw, entities
        message.reply_markup = markup
        return self._edited(message)

    def editMessageReplyMarkup(self, params: Params) -> Any:
        if params.get_str("inline_message_id"):
            self.markup(params)
            return True
        message = self.own_message(params, "message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        markup = self.markup(params)
        if markup == message.reply_markup:
            raise bad_request(_NOT_MODIFIED)
        message.reply_markup = markup
        return self._edited(message)

    def _edited(self, message: SimMessage) -> Any:
        message.edited += 1
        message.edit_date = now()
        return message.to_api()

    def deleteMessage(self, params: Params) -> Any:
        message = self.own_message(params, "message to delete not found")
        chat = message.chat
        if not message.from_bot and chat.type != "private":
            self.require_right(chat, "can_delete_messages", "message can't be deleted")
        message.deleted = True
        return True

    def deleteMessages(self, params: Params) -> Any:
        chat = self.chat(params)
        ids = params.get_json("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must be a list of 1-100 message identifiers")
        for message_id in ids:
            message = self.world.find_message(chat.id, int(message_id))
            # Like Telegram: messages that cannot be deleted are skipped, not an error.
            if message is not None and (message.from_bot or chat.type == "private"):
                message.deleted = True
        return True

    def answerCallbackQuery(self, params: Params) -> Any:
        query_id = params.get_str("callback_query_id") or ""
        if query_id not in self.sim.callback_queries or query_id in self.sim.callback_answers:
            raise bad_request(_QUERY_TOO_OLD)
        limits.check_callback_answer_text(params.get_str("text"))
        self.sim.callback_answers[query_id] = {
            "text": params.get_str("text"),
            "show_alert": params.get_bool("show_alert"),
            "url": params.get_str("url"),
        }
        return True

    def answerInlineQuery(self, params: Params) -> Any:
        query_id = params.get_str("inline_query_id") or ""
        if query_id not in self.sim.inline_queries or query_id in self.sim.inline_answers:
            raise bad_request(_QUERY_TOO_OLD)
        results = params.get_json("results")
        if not isinstance(results, list):
            raise bad_request("can't parse results: expected Array of InlineQueryResult")
        limits.check_inline_results(results)
        self.sim.inline_answers[query_id] = results
        return True

    def _source(self, params: Params) -> SimMessage:
        source = self.world.find_message(
            params.need_int("from_chat_id"), params.need_int("message_id")
        )
        if source is None:
            raise bad_request("message to copy not found")
        if source.protect_content:
            raise bad_request("message has protected content and can't be forwarded")
        return source

    def copyMessage(self, params: Params) -> Any:
        chat = self.writable_chat(params)
        source = self._source(params)
        extra = {k: v for k, v in source.extra.items() if k in ("photo", "sticker", "document")}
        if params.get_str("caption") is not None:
            _, extra["caption"] = (
                "",
                limits.check_text(
                    params.get_str("caption") or "",
                    params.get_str("parse_mode"),
                    limit=limits.MAX_CAPTION,
                    what="message caption",
                )[0],
            )
        elif "caption" in source.extra:
            extra["caption"] = source.extra["caption"]
        copy = self.post(
            chat,
            params,
            text=source.text,
            html=source.html,
            entities=list(source.entities),
            extra=extra,
        )
        return {"message_id": copy.message_id}

    def forwardMessage(self, params: Params) -> Any:
        chat = self.writable_chat(params)
        source = self._source(params)
        origin: dict[str, Any] = {"type": "user", "date": source.date}
        if source.sender_chat is not None:
            origin = {
                "type": "chat",
                "date": source.date,
                "sender_chat": source.sender_chat.to_api(),
            }
        elif source.sender is not None:
            origin["sender_user"] = source.sender.to_api()
        extra = {**source.extra, "forward_origin": origin}
        forwarded = self.post(
            chat, params, text=source.text, html=source.html, entities=source.entities, extra=extra
        )
        return forwarded.to_api()

    def _caption(self, params: Params) -> str:
        caption, _ = limits.check_text(
            params.get_str("caption") or "",
            params.get_str("parse_mode"),
            limit=limits.MAX_CAPTION,
            what="message caption",
        )
        return caption

    def _media(self, params: Params, field: str, build: Callable[[str], Any]) -> Any:
        chat = self.writable_chat(params)
        if params.values.get(field) is None:
            raise bad_request(f"there is no {field} in the request")
        extra: dict[str, Any] = {field: build(f"{field}-{uuid.uuid4().hex[:12]}")}
        caption = params.get_str("caption")
        if caption is not None and field != "sticker":
            extra["caption"] = limits.check_text(
                caption,
                params.get_str("parse_mode"),
                limit=limits.MAX_CAPTION,
                what="message caption",
            )[0]
        return self.post(chat, params, extra=extra).to_api()

    def sendPhoto(self, params: Params) -> Any:
        return self._media(
            params,
            "photo",
            lambda fid: [{"file_id": fid, "file_unique_id": fid, "width": 800, "height": 600}],
        )

    def sendDocument(self, params: Params) -> Any:
        return self._media(params, "document", lambda fid: {"file_id": fid, "file_unique_id": fid})

    def sendSticker(self, params: Params) -> Any:
        return self._media(
            params,
            "sticker",
            lambda fid: {
                "file_id": fid,
                "file_unique_id": fid,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            },
        )

    def sendChatAction(self, params: Params) -> Any:
        self.writable_chat(params)
        return True

    # --- chats and members ------------------------------------------------------------------

    def getChat(self, params: Params) -> Any:
        chat = self.chat(params)
        info = chat.full_info()
        primary = chat.primary_link(self.world.bot)
        if primary is not None and chat.member(self.world.bot.id).can("can_invite_users"):
            info["invite_link"] = primary.invite_link
        return info

    def _user(self, params: Params) -> SimUser:
        user = self.world.users.get(params.need_int("user_id"))
        if user is None:
            raise bad_request("user not found")
        return user

    def getChatMember(self, params: Params) -> Any:
        chat = self.chat(params)
        user = self._user(params)
        if chat.type == "private":
            member = SimMember("member") if user.id in (chat.id, self.world.bot.id) else None
            if member is None:
                raise bad_request("user not found")
            return member_to_api(user, member)
        return member_to_api(user, chat.member(user.id))

    def getChatAdministrators(self, params: Params) -> Any:
        chat = self.chat(params)
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        return [
            member_to_api(self.world.users[user_id], member)
            for user_id, member in chat.members.items()
            if member.status in ("creator", "administrator")
        ]

    def getChatMemberCount(self, params: Params) -> Any:
        chat = self.chat(params)
        if chat.type == "private":
            return 2
        return sum(1 for m in chat.members.values() if m.status in ACTIVE_STATUSES)

    def pinChatMessage(self, params: Params) -> Any:
        chat = self.chat(params)
        self.require_right(
            chat, "can_pin_messages", "not enough rights to manage pinned messages in the chat"
        )
        message = self.own_message(params, "message to pin not found")
        chat.pinned.add(message.message_id)
        return True

    def unpinChatMessage(self, params: Params) -> Any:
        chat = self.chat(params)
        self.require_right(
            chat, "can_pin_messages", "not enough rights to manage pinned messages in the chat"
        )
        message_id = params.get_int("message_id")
        if message_id is None:
            chat.pinned.clear()
        else:
            chat.pinned.discard(message_id)
        return True

    def leaveChat(self, params: Params) -> Any:
        chat = self.chat(params)
        if chat.type == "private":
            raise bad_request("chat member status can't be changed in private chats")
        self.sim.my_chat_member_update(chat, self.world.bot, "left")
        return True

    def _restrictable(self, params: Params) -> tuple[SimChat, SimUser]:
        chat = self.chat(params)
        if chat.type == "private":
            raise bad_request("chat member status can't be changed in private chats")
        user = self._user(params)
        self.require_right(
            chat, "can_restrict_members", "not enough rights to restrict/unrestrict chat member"
        )
        if chat.member(user.id).status in ("creator", "administrator"):
            raise bad_request("user is an administrator of the chat")
        return chat, user

    def banChatMember(self, params: Params) -> Any:
        chat, user = self._restrictable(params)
        chat.members[user.id] = SimMember("kicked", until_date=params.get_int("until_date") or 0)
        return True

    def unbanChatMember(self, params: Params) -> Any:
        chat, user = self._restrictable(params)
        if chat.member(user.id).status == "kicked":
            chat.members[user.id] = SimMember("left")
        return True

    def restrictChatMember(self, params: Params) -> Any:
        chat, user = self._restrictable(params)
        if chat.type != "supergroup":
            raise bad_request("method is available only for supergroups")
        permissions = params.get_json("permissions")
        if not isinstance(permissions, dict):
            raise bad_request("can't parse permissions: expected ChatPermissions")
        rights = {k: bool(v) for k, v in permissions.items()}
        until = params.get_int("until_date") or 0
        chat.members[user.id] = SimMember("restricted", rights, until_date=until)
        return True

    # --- invite links -----------------------------------------------------------------------

    def _invite_chat(self, params: Params) -> SimChat:
        """The chat whose links the bot manages, with Telegram's reasons for refusing."""
        if params.need_int("chat_id") in self.world.users:
            raise bad_request("can't invite members to a private chat")
        chat = self.writable_chat(params)
        self.require_right(chat, "can_invite_users", _NO_INVITE_RIGHTS)
        return chat

    def _link_fields(self, params: Params) -> dict[str, Any]:
        """A link's settings as Telegram reads them: one left out takes its default."""
        expire_date = max(0, params.get_int("expire_date") or 0)
        member_limit = max(0, params.get_int("member_limit") or 0)
        creates_join_request = params.get_bool("creates_join_request")
        if creates_join_request and member_limit:
            raise bad_request(
                "member limit can't be specified for links requiring administrator approval"
            )
        if expire_date and expire_date <= now():
            raise bad_request("EXPIRE_DATE_INVALID")
        if member_limit > _MAX_MEMBER_LIMIT:
            raise bad_request("USAGE_LIMIT_INVALID")
        return {
            "name": clean_link_name(params.get_str("name") or ""),
            "expire_date": expire_date,
            "member_limit": member_limit,
            "creates_join_request": creates_join_request,
        }

    def _own_link(self, chat: SimChat, params: Params) -> SimInviteLink:
        link = chat.invite_links.get(params.get_str("invite_link") or "")
        if link is None or link.is_revoked:
            raise bad_request("INVITE_HASH_EXPIRED")
        if link.creator is not self.world.bot:
            raise bad_request("CHAT_ADMIN_REQUIRED")
        return link

    def createChatInviteLink(self, params: Params) -> Any:
        chat = self._invite_chat(params)
        return chat.add_invite_link(self.world.bot, **self._link_fields(params)).to_api()

    def editChatInviteLink(self, params: Params) -> Any:
        """Like Telegram, every setting is replaced: one left out goes back to its default."""
        chat = self._invite_chat(params)
        fields = self._link_fields(params)
        link = self._own_link(chat, params)
        link.name = fields["name"]
        link.expire_date = fields["expire_date"]
        link.member_limit = fields["member_limit"]
        link.creates_join_request = fields["creates_join_request"]
        return link.to_api()

    def revokeChatInviteLink(self, params: Params) -> Any:
        """Revoking the primary link makes a new one, as Telegram does."""
        chat = self._invite_chat(params)
        link = self._own_link(chat, params)
        link.is_revoked = True
        if link.is_primary:
            chat.add_invite_link(self.world.bot, is_primary=True)
        return link.to_api()

    def exportChatInviteLink(self, params: Params) -> Any:
        chat = self._invite_chat(params)
        previous = chat.primary_link(self.world.bot)
        if previous is not None:
            previous.is_revoked = True
        return chat.add_invite_link(self.world.bot, is_primary=True).invite_link
