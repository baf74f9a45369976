"""The organisation over REST: its contacts and the policy every case's timings follow."""
