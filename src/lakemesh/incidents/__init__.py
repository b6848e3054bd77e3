"""Incidents on data products: opened by failing checks, told to subscribers, resolved when the cause clears."""
