"""Moderation: published community rules, enforced fairly (built in a later issue)."""
