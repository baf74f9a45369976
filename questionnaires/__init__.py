"""The organisation's exit interview questionnaire: its versions, the employee's own notes and written answers."""
