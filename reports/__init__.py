"""Periodic anonymised reports on closed cases: aggregation, suppression, anonymisation and rendering."""
