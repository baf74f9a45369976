"""Handover tasks for the people who do them: "my tasks", the manager's team, and a task done from its mail."""
