"""The management console: a Flask app (server-rendered pages plus the JSON they poll) for owners,
managers, cashiers and cooks. ``create_app()`` in ``app.py``; one blueprint per area in ``blueprints/``."""
