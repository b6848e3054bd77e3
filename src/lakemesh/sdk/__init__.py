"""The remote Python SDK: `lakemesh.connect(url, token)`, generated from the operations declared in `facade/`;
imports only those declarations, schemas and core (never services, the catalog or the platform)."""
