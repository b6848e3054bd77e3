"""Core: settings, errors, names, clock and the shared event type. Imports nothing else of Lakemesh."""
