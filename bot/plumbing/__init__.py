"""How updates come in and messages go out: the HTTP transport, polling and the
webhook server, the order and pace of updates and sends, the command menus.
Nothing here decides what to say."""
