"""Unit tests of the governance rule language, CEL rules and their evaluation."""
