"""Equipment to receive: the custodian's page."""
