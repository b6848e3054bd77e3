"""The REST edge: FastAPI routes over the Platform's services."""
