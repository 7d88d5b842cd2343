"""The management console: a Flask app (server-rendered pages plus the JSON they poll) for owners,
managers, cashiers and cooks. ``create_app(services)`` in ``app.py`` over ``wiring.ConsoleServices``; one blueprint per area in ``blueprints/``."""
