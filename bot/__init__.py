"""The process only: the app factory, the HTTP server, the scheduler and the entry point `python -m bot`."""
