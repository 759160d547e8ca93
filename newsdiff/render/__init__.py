"""Renderers: turn records, logs and diff reports into what a person or a script reads."""
