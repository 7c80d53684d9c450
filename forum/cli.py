"""Command-line tools: flask --app wsgi users|search|forum ..."""


def register(app) -> None:
    """Attach the command groups to the app."""
