"""The web app: the REST API and the server-rendered HR pages, both on top of ``cases.service``."""
