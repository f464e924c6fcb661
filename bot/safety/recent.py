"""What a crisis assessment leaves for the later handlers of the same update.

The safety handler assesses every message first (bot/handlers/safety.py); the relay, the
check-in, the chat's answer, the fallback and the etiquette read its verdict here instead
of assessing again, and the etiquette takes the message's embedding so the encoder reads
each meeting message once. Only the last few are kept, in memory, for a few minutes:
enough for later handlers of the same update and for an edit of a recent message, never
a record. Nothing here is written to disk.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import Any

from bot.platform.privacy import Pseudonym
from bot.safety.model import Vectors
from bot.safety.verdict import Assessment

RECENT_FOR = timedelta(minutes=10)
_REMEMBER = 1024


class _Recent(OrderedDict[Hashable, tuple[Any, datetime]]):
    """Oldest first; each value beside the time it was remembered."""

    def remember(self, key: Hashable, value: Any, now: datetime) -> None:
        self[key] = (value, now)
        self.move_to_end(key)
        while len(self) > _REMEMBER:
            self.popitem(last=False)

    def recall(self, key: Hashable) -> Any:
        found = self.get(key)
        return None if found is None else found[0]

    def sweep(self, now: datetime) -> None:
        while self and now - next(iter(self.values()))[1] > RECENT_FOR:
            self.popitem(last=False)


class RecentVerdicts:
    """Verdicts and embeddings by update, and which messages already had an answer."""

    def __init__(self) -> None:
        self._verdicts = _Recent()
        # By (chat pseudonym, message id): an edit of an answered message gets no second one.
        self._answered = _Recent()
        self._answered_updates = _Recent()
        self._embeddings = _Recent()

    def note_verdict(self, update_id: int, verdict: Assessment, now: datetime) -> None:
        self._verdicts.remember(update_id, verdict, now)

    def verdict_of(self, update_id: int) -> Assessment | None:
        """The crisis assessment of this update's text, if it had any."""
        found = self._verdicts.recall(update_id)
        return found if isinstance(found, Assessment) else None

    def note_embedding(self, update_id: int, embedding: Vectors, now: datetime) -> None:
        self._embeddings.remember(update_id, embedding, now)

    def take_embedding(self, update_id: int) -> Vectors | None:
        """This update's embedding, if it had one; taken, so it is held no longer than the
        update."""
        found = self._embeddings.pop(update_id, None)
        return None if found is None else found[0]

    def first_answer(
        self, chat: Pseudonym | None, message_id: int, update_id: int, now: datetime
    ) -> bool:
        """Mark this message answered; False if it already was (an edit of it, say)."""
        key = (chat, message_id)
        if key in self._answered:
            return False
        self._answered.remember(key, True, now)
        self._answered_updates.remember(update_id, True, now)
        return True

    def was_answered(self, update_id: int) -> bool:
        """Whether this update got a crisis or concern answer (later handlers stay quiet)."""
        return update_id in self._answered_updates

    def held(self) -> int:
        """How many verdicts and answered messages memory holds (the memory inventory)."""
        return len(self._verdicts) + len(self._answered) + len(self._answered_updates)

    def embeddings_held(self) -> int:
        """How many embeddings wait for the etiquette: none, once every update that left one
        has been handled."""
        return len(self._embeddings)

    def sweep(self, now: datetime) -> None:
        """The memory tick: everything older than a few minutes goes."""
        for recent in (self._verdicts, self._answered, self._answered_updates, self._embeddings):
            recent.sweep(now)

    def forget(self, chat: Pseudonym) -> None:
        """After /forget: which of the chat's messages were answered goes at once."""
        for key in [key for key in self._answered if isinstance(key, tuple) and key[0] == chat]:
            del self._answered[key]
