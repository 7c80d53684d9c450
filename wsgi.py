"""The WSGI entry point: gunicorn 'wsgi:app' and flask --app wsgi."""
from forum.app import create_app

app = create_app()
