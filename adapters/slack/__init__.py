"""Slack: bolt listeners, Block Kit rendering, stores and the Slack ChatSink."""
