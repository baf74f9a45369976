"""The `offboarding` command line: register departures and follow cases from a terminal or a script."""
