"""What a store raises, whatever the backend: the layers above catch these, never a driver's own errors."""

from __future__ import annotations


class StoreError(Exception):
    """The database could not do what was asked; the message is one line."""


class StoreBusy(StoreError):
    """Another process held the write lock for longer than the store waits; the message names it."""


class SchemaError(StoreError):
    """A database this version of newsdiff must not touch; the message is one line naming the file."""
