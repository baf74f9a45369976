"""Cases on the web: the REST API under ``/api/cases`` and the HR pages under ``/cases``."""
