"""The open catalog: Lakemesh's tables for engines that speak the Unity Catalog REST API (docs/engines.md)."""
