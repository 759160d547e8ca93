"""Alerts: each meaningful edit pushed to e-mail, chat, webhooks, Mastodon and Bluesky.

`rules` reads the `[[alerts]]` tables of the config; `queue` records one alert per rule and new version
in the transaction that stores the version (so none is lost); `message` writes the text each service
can show; `deliver` sends what is pending, in parallel, and records the outcome; `social` posts to
Mastodon and Bluesky with their own clients, so the picture keeps its description.
"""
