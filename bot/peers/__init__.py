"""Peer check-ins and anonymous peer chats: a check-in's answers, matching members
with listeners, the live rooms in memory, and contact details in a relayed message."""
