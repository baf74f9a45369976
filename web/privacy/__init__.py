"""Personal data in the web app: the audit log for admins, and HR's export and erasure of one person's data."""
