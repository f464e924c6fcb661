"""The one place the rules and the learned layer of the etiquette are combined. Pure.

In order, the first that applies:

1. The chair and admins are never flagged: running a meeting means speaking to people.
2. A writer in distress is never flagged: that message needs an answer, not a rule.
3. Care is never crosstalk: while someone in the meeting is in distress, a reply the
   model reads as care (checking on them, offering the lines, urging them to call
   someone) is left alone. Without the model nothing is flagged then: care cannot be told
   from the rest, and removing it costs more than letting advice stand for a while.
4. Thanks, identifying and emoji reactions (as the rules read them, or the model's
   likeliest kind) are never crosstalk at gentle or standard; a strict group may remind,
   never delete.
5. A rule's inventory ("that's your ego talking"): crosstalk at every strictness, as
   precise on every batch as on the one the rules were written from.
6. The model: crosstalk where P(crosstalk) reaches the group's strictness's threshold.
   Without the model, the rules at that strictness.

Thresholds are nested (gentle >= standard >= strict) and nothing else depends on the
strictness but step 4's strict reminder, so whatever gentle flags standard flags, and
whatever standard flags strict flags.
"""

from __future__ import annotations

from bot.etiquette.model import ACKNOWLEDGING, Reading, Thresholds
from bot.etiquette.rules import (
    NOT_CROSSTALK,
    MeetingMessage,
    RuleReading,
    Strictness,
    Verdict,
)

PRECISE_RULE = "inventory"


def combine(
    message: MeetingMessage,
    strictness: Strictness,
    rules: RuleReading,
    reading: Reading | None,
    thresholds: Thresholds | None,
) -> Verdict:
    if message.author_is_running_meeting or rules.writer_in_distress:
        return NOT_CROSSTALK
    model = None if reading is None or thresholds is None else (reading, thresholds)
    if message.someone_in_distress and (model is None or model[0].care >= model[1].care):
        return NOT_CROSSTALK
    acknowledging = rules.acknowledges or rules.emoji_only
    if model is not None and model[0].likeliest in ACKNOWLEDGING:
        acknowledging = True
    if acknowledging:
        if strictness is not Strictness.STRICT:
            return NOT_CROSSTALK
        by_rule = rules.verdict(Strictness.STRICT)
        if by_rule.crosstalk:
            return Verdict(True, by_rule.reason, reminder_only=True)
        if model is not None and model[0].crosstalk >= model[1].strict:
            return Verdict(True, model[0].reason, reminder_only=True)
        return NOT_CROSSTALK
    if model is None:
        return rules.verdict(strictness)
    if (PRECISE_RULE, Strictness.GENTLE) in rules.signs:
        return Verdict(True, PRECISE_RULE)
    if model[0].crosstalk >= model[1].at(strictness):
        return Verdict(True, model[0].reason)
    return NOT_CROSSTALK
