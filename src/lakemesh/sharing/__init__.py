"""Cross-domain sharing: zero-copy shortcuts inside the mesh and an open Delta Sharing server for outsiders."""
