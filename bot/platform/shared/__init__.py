"""Shared ephemeral state: what matters only for minutes or hours (who just had a crisis;
the peer room, bot/peers/shared_room.py), kept in this process's memory, or with
REDIS_URL in Redis, where every instance of the bot sees the same; and a lock every
instance respects (lock.py).

Never on disk: Redis must run without persistence (the README says how). Every key has a
time to live, and holds keyed pseudonyms and times, or records sealed with a key from the
secret under names that are keyed digests: never a raw id, a name or anyone's words in
the clear. Logic compares the times stored in values with the bot's clock; the time to
live only makes sure nothing outstays it.
"""

from bot.platform.shared.in_memory import MemoryState
from bot.platform.shared.in_redis import RedisState
from bot.platform.shared.interface import SharedState, SharedStateError
from bot.platform.shared.redis_url import RedisUrlError, parse_redis_url

__all__ = [
    "MemoryState",
    "RedisState",
    "RedisUrlError",
    "SharedState",
    "SharedStateError",
    "parse_redis_url",
]
