"""The bot process: settings, storage, app factory, HTTP server, scheduler and entry point."""
