"""Online meetings in groups: the share queue and timer, and the formats the
chair can open. The crosstalk etiquette is its own package, bot.etiquette."""
