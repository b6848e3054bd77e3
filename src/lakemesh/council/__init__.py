"""The federated governance council: representatives, proposals and votes, cases and decision records."""
