"""Checklist templates over REST: the handover tasks each new case starts with."""
