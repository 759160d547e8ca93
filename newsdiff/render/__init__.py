"""Renderers: turn records, logs and diff reports into what a person or a script reads.

The output formats each command offers are listed here, where the command line can name them in its
help without importing the renderers (start-up time)."""

DIFF_FORMATS = ("text", "json", "markdown", "html")
FEED_FORMATS = ("rss", "atom")
EXPORT_FORMATS = ("jsonl", "csv")
FEED_LIMIT = 50  # items per feed, newest first
SITE_TITLE = "newsdiff"  # the name a published site and its feeds carry
