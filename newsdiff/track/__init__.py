"""Tracking: feeds and followed articles, polled politely on a schedule (see `poll.poll`)."""
