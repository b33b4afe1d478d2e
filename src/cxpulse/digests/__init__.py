"""Digests: scheduled reports by email and chat webhooks, sent through the outbox."""
