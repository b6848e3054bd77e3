"""The remote Python SDK: `lakemesh.connect(url, token)`; imports only schemas and core."""
