"""What every capability stands on: settings, the clock, the catalogue of texts,
button data, keyed pseudonyms and sealed ids, the store and its inventory, logging.
Nothing here knows about peers, meetings or readings."""
