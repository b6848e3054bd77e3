"""Data profiles: per-column statistics of every table, computed in one scan, kept as history, masked per reader."""
