"""The one place the rules and the learned layer of the etiquette are combined. Pure.

In order, the first that applies:

1. The chair and admins are never flagged: running a meeting means speaking to people.
2. A writer in distress is never flagged: that message needs an answer, not a rule.
3. Care is never crosstalk: while someone in the meeting is in distress, a reply the
   rules' care phrases or the model read as care (checking on them, offering the lines,
   urging them to call someone, telling them they matter) is left alone. Without the model
   nothing is flagged then: care cannot be told from the rest, and removing it costs more
   than letting advice stand for a while.
4. Thanks, identifying and emoji reactions (as the rules read them, or the model's
   likeliest kind) are never crosstalk at gentle or standard; a strict group may remind,
   never delete.
5. A rule's inventory ("that's your ego talking"): crosstalk at every strictness, as
   precise on every batch as on the one the rules were written from.
6. The model: crosstalk where P(crosstalk) reaches the group's strictness's threshold.
   Without the model, the rules at that strictness.

A message that speaks of nobody else is a member's own share, and deleting someone's own
struggle is the worst mistake the etiquette can make. So where nothing points at another
member (no reply to a member, no mention or name, no quoted message):

- and nobody else is sharing, the model's crosstalk counts only where the rules too see a
  sign of crosstalk at the group's strictness;
- and someone else is sharing, a message in which the rules see no sign at all (no "you",
  no name, no pointer at a share: a story of one's own, out of turn) gets a reminder at
  most at gentle and standard, never a deletion; a strict group leaves it to the model.

Thresholds are nested (gentle >= standard >= strict), so are the rules' signs, and a
reminder only ever gives way to a deletion as strictness rises: whatever gentle flags
standard flags, whatever standard flags strict flags, and whatever may be deleted at one
strictness may be deleted at the stricter ones.
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


def points_at_someone(message: MeetingMessage, rules: RuleReading) -> bool:
    """A reply to a member, a mention or a name, or a quoted message."""
    return (
        message.replies_to_member or bool(message.mentions) or rules.named or rules.quotes_a_message
    )


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
    if message.someone_in_distress and (
        rules.offers_care or model is None or model[0].care >= model[1].care
    ):
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
        if (
            model is not None
            and model[0].crosstalk >= model[1].strict
            and (points_at_someone(message, rules) or message.someone_else_sharing)
        ):
            return Verdict(True, model[0].reason, reminder_only=True)
        return NOT_CROSSTALK
    if model is None:
        return rules.verdict(strictness)
    if (PRECISE_RULE, Strictness.GENTLE) in rules.signs:
        return Verdict(True, PRECISE_RULE)
    if model[0].crosstalk < model[1].at(strictness):
        return NOT_CROSSTALK
    if points_at_someone(message, rules):
        return Verdict(True, model[0].reason)
    if not message.someone_else_sharing:
        # Speaking of nobody else: a member's own share, unless the rules see crosstalk.
        if rules.verdict(strictness).crosstalk:
            return Verdict(True, model[0].reason)
        return NOT_CROSSTALK
    if not rules.signs and strictness is not Strictness.STRICT:
        # A story of one's own, out of turn: remind, never delete.
        return Verdict(True, model[0].reason, reminder_only=True)
    return Verdict(True, model[0].reason)
