"""Placeholder until the fake server plugin lands."""
