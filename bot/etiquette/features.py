"""A meeting message's context and the rules' reading of it, as numbers beside its embedding.

The sentence embedding hears what a message says; whether it is crosstalk depends as much on
where it is said: in reply to a member, naming someone, while someone else shares, in the
writer's own share, while someone in the meeting is in distress. The rules' signs (each
kind of crosstalk at the strictness it counts from) and whether the message only thanks or
identifies come too, and the context crossed with the few readings where it turns the
meaning ("thank you" as a reply is not "did you go back?" as a reply). Pure: the same
function builds them in training and in the bot.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bot.etiquette.rules import REASONS, MeetingMessage, RuleReading, Strictness, read_rules

CONTEXT = (
    "replies_to_member",
    "mentions",
    "someone_else_sharing",
    "author_sharing",
    "someone_in_distress",
)
SIGNS = tuple((reason, level) for reason in REASONS for level in Strictness)
READINGS = ("acknowledges", "thanked", "identified", "named", "quotes_a_message", "emoji_only")
# Readings crossed with every context feature.
CROSSED = ("acknowledges", "emoji_only", "long", "short")
LONG, SHORT = 200, 25  # characters: a share of one's own, a quick reaction
WIDTH = len(CONTEXT) + len(SIGNS) + len(READINGS) + 2 + len(CROSSED) * len(CONTEXT)


def context_features(
    message: MeetingMessage, rules: RuleReading | None = None
) -> npt.NDArray[np.float64]:
    """(WIDTH,) numbers, each 0 or 1."""
    rules = rules or read_rules(message)
    context = [
        message.replies_to_member,
        bool(message.mentions),
        message.someone_else_sharing,
        message.author_sharing,
        message.someone_in_distress,
    ]
    signs = [sign in rules.signs for sign in SIGNS]
    readings = [bool(getattr(rules, name)) for name in READINGS]
    size = {"long": len(message.text) > LONG, "short": len(message.text) < SHORT}
    crossing = {**{name: bool(getattr(rules, name)) for name in CROSSED[:2]}, **size}
    crossed = [on and where for on in crossing.values() for where in context]
    found = np.asarray([*context, *signs, *readings, *size.values(), *crossed], dtype=np.float64)
    assert found.shape == (WIDTH,)
    return found
