"""`offboarding demo`: a Dutch organisation on an empty installation, made through the product's own paths."""
