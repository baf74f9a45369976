"""Importing departures in bulk: `POST /api/imports/departures` with a CSV file."""
