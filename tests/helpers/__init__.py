"""Test helpers in plain modules: the bot harness and readers for the relay's and conversations' posts."""
