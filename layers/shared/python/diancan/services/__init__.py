"""Use cases. Each takes its adapters as arguments (the composition root passes the real ones)."""
