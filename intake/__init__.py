"""Departures that arrive in bulk or from other systems: CloudEvents from an HR system (``events``) and
CSV files for organisations without a feed (``csv_import``). Both validate with the one ``Registration``
model and start cases through ``cases.service``, like the web form, the API and the CLI."""
