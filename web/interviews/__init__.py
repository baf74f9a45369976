"""The exit interview of a case over REST: HR confirms, assigns, schedules and records; the employee answers."""
