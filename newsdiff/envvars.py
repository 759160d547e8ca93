"""`${VAR}` in config values, read from the environment so that a secret can stay out of the file."""

from __future__ import annotations

import os
import re

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand(text: str, where: str) -> str:
    """`text` with each `${VAR}` replaced by its value; ValueError naming `where` and the variable (never a
    value) when one is unset."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ValueError(f"{where}: environment variable {name} is not set")
        return os.environ[name]
    return _VAR.sub(value, text)
