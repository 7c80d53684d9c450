"""Parley's forum: the shared kernel (app, models, search) and the Q&A community itself."""
