"""What every handler needs, built once at start and reached through the context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.etiquette import EtiquetteClassifier
from bot.etiquette.distress import RecentDistress
from bot.etiquette.reminded import RemindedOutsideMeetings
from bot.intents import IntentClassifier
from bot.meetings.formats import MeetingFormat
from bot.meetings.listed import ListedMeetings
from bot.platform.callbacks import CallbackCodec
from bot.platform.catalog import Catalog
from bot.platform.clock import Clock
from bot.platform.config import Settings
from bot.platform.privacy import Keyring
from bot.platform.shared import MemoryState, SharedState
from bot.platform.store import Store
from bot.readings.library import Library
from bot.readings.reflections import Reflections
from bot.readings.search import LibrarySearch
from bot.safety.assessor import Assessor, RecentCrises
from bot.safety.recent import RecentVerdicts

SERVICES_KEY = "porchlight.services"


@dataclass
class Services:
    settings: Settings
    store: Store
    keyring: Keyring
    catalog: Catalog
    callbacks: CallbackCodec
    clock: Clock
    library: Library
    reflections: Reflections
    search: LibrarySearch
    meeting_formats: dict[str, MeetingFormat]
    assessor: Assessor
    # What plain words in a private chat are about (None: the general answer for all).
    intents: IntentClassifier | None = None
    # Ephemeral state shared by every instance with REDIS_URL (else this process's memory).
    shared: SharedState = field(default_factory=MemoryState)
    # Who had a crisis verdict in the last few minutes (pseudonyms and times, in shared).
    recent_crises: RecentCrises = field(default_factory=lambda: RecentCrises(MemoryState()))
    # Each recent update's crisis verdict, for the later handlers of the same update.
    verdicts: RecentVerdicts = field(default_factory=RecentVerdicts)
    # The etiquette's learned layer (None: the rules alone).
    etiquette: EtiquetteClassifier | None = None
    # When distress was last read in each meeting's chat or topic (times only, memory only).
    recent_distress: RecentDistress = field(default_factory=RecentDistress)
    reminded_outside: RemindedOutsideMeetings = field(default_factory=RemindedOutsideMeetings)
    # Every listed meeting, read again when the directory changed (the store says).
    listed_meetings: ListedMeetings = field(default_factory=ListedMeetings)


def services_of(bot_data: dict[Any, Any]) -> Services:
    found = bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found
