"""Evidence and history: pages captured elsewhere (WARC files, the Wayback Machine) stored as versions."""
