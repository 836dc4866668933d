"""The inbound feature: poll (fetch, save), send (notify), recovery from Slack metadata, threads and replies."""
