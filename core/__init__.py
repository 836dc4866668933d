"""Settings, storage, the typed dependencies, the two kinds of failure, audit and act-once."""
