"""Captured mail, readable in the browser during a local run."""
