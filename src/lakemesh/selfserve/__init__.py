"""Self-serve: a domain workspace, its steward and its lakehouse from the platform template, in one call."""
