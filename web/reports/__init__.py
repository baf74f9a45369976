"""The periodic exit-interview reports over REST: start one, list them, fetch one as figures, HTML, PDF or CSV, and act in its review."""
