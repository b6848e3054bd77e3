"""Subscriptions to data products, owners' announcements and the notifications subscribers receive."""
