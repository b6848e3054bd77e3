"""Access: requests routed to product owners, expiring grants, column masking and governed SQL."""
