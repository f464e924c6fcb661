"""Scheduled deliveries: what a member means by a day, a time and a zone, when a
daily is due across daylight saving, the tick that sends it, and what a refusal means."""
