"""Accounts and API tokens, kept by admins."""
