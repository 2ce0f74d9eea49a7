"""Pure building blocks for user accounts: passwords, TOTP, recovery codes, tokens, throttling.

No database and no HTTP here; the adapters and interfaces wire these together.
"""
