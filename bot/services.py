"""What every handler needs, built once at start and reached through the context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.callbacks import CallbackCodec
from bot.catalog import Catalog
from bot.clock import Clock
from bot.config import Settings
from bot.etiquette import EtiquetteClassifier
from bot.etiquette.distress import RecentDistress
from bot.intents import IntentClassifier
from bot.library import Library
from bot.meeting_formats import MeetingFormat
from bot.privacy import Keyring
from bot.reflections import Reflection
from bot.safety.assessor import Assessor, RecentCrises
from bot.search import LibrarySearch
from bot.store import Store

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
    reflections: dict[str, Reflection]
    search: LibrarySearch
    meeting_formats: dict[str, MeetingFormat]
    assessor: Assessor
    # What plain words in a private chat are about (None: the general answer for all).
    intents: IntentClassifier | None = None
    # Who had a crisis verdict in the last few minutes (pseudonyms and times, memory only).
    recent_crises: RecentCrises = field(default_factory=RecentCrises)
    # The etiquette's learned layer (None: the rules alone).
    etiquette: EtiquetteClassifier | None = None
    # When distress was last read in each meeting's chat or topic (times only, memory only).
    recent_distress: RecentDistress = field(default_factory=RecentDistress)


def services_of(bot_data: dict[Any, Any]) -> Services:
    found = bot_data[SERVICES_KEY]
    assert isinstance(found, Services)
    return found
