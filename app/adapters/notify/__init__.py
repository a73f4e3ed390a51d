"""Outgoing messages: signed webhooks over HTTP, and emails over SMTP or to the log."""
