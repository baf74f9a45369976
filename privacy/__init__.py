"""Personal data: encrypted workflow payloads, retention and erasure, the audit log, and the export of what is held about one person."""
