"""Webhook channel building blocks: Standard Webhooks signing, SSRF guard, secrets at rest.

The modules here are self-contained (no database, no config reading); the channel that uses them
wires them together.
"""
