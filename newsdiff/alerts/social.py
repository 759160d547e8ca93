"""Mastodon and Bluesky, posted with their own client libraries (Mastodon.py, atproto): Apprise sends
no image description to Mastodon and the file name to Bluesky, and the picture of an edit needs its
alt text. The URLs take Apprise's forms: `mastodon(s)://TOKEN@HOST[:PORT]`, and
`bluesky://HANDLE:APP-PASSWORD` or Apprise's `bluesky://HANDLE@APP-PASSWORD` (a bare handle is on
bsky.social).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from ..render.picture import Picture
from .message import Message, Profile

MASTODON_LIMIT = 500  # characters, a link counting as 23 whatever its length
MASTODON_LINK = 23
BLUESKY_LIMIT = 300  # graphemes
_URL = re.compile(r"https?://\S+")


def mastodon_length(text: str) -> int:
    """Characters as Mastodon counts them: every link as 23."""
    return len(_URL.sub("x" * MASTODON_LINK, text))


def graphemes(text: str) -> int:
    """User-perceived characters (Bluesky's limit counts these, not code points)."""
    import regex

    return len(regex.findall(r"\X", text))


MASTODON = Profile("text", MASTODON_LIMIT, mastodon_length)
BLUESKY = Profile("text", BLUESKY_LIMIT, graphemes)


@dataclass(frozen=True)
class Account:
    """Where and as whom to post: `server` is a base URL (Mastodon) or a handle (Bluesky)."""

    scheme: str
    server: str
    secret: str

    @property
    def shown(self) -> str:
        return f"{self.scheme}://****@{urlsplit(self.server).netloc or self.server}"


def account(url: str) -> Account:
    """A Mastodon or Bluesky URL taken apart; ValueError (without the secret) when malformed."""
    scheme = url.split("://", 1)[0].lower()
    rest = url.split("://", 1)[1] if "://" in url else ""
    if scheme in ("mastodon", "mastodons"):
        parts = urlsplit(f"{scheme}://{rest}")
        if not parts.username or not parts.hostname or parts.password:
            raise ValueError(f"expected {scheme}://TOKEN@HOST")
        port = f":{parts.port}" if parts.port else ""
        base = f"{'https' if scheme == 'mastodons' else 'http'}://{parts.hostname}{port}"
        return Account(scheme, base, unquote(parts.username))
    if scheme in ("bluesky", "bsky"):
        rest = rest.split("?", 1)[0].rstrip("/")
        handle, sep, password = rest.partition(":") if ":" in rest else rest.partition("@")
        if not sep or not handle or not password:
            raise ValueError(f"expected {scheme}://HANDLE:APP-PASSWORD")
        handle = unquote(handle)
        return Account("bluesky", handle if "." in handle else f"{handle}.bsky.social", unquote(password))
    raise ValueError(f"not a Mastodon or Bluesky URL: {scheme}://")


def post_mastodon(target: Account, message: Message, picture: Picture | None) -> None:
    """One status, with the picture and its description when there is one."""
    from mastodon import Mastodon

    client = Mastodon(access_token=target.secret, api_base_url=target.server, version_check_mode="none",
                      ratelimit_method="throw", request_timeout=30)
    media = None
    if picture is not None:
        # media_post asks the server's version first, and Mastodon.py (2.3) asks again and again, without end
        # (a RecursionError), when the server cannot be reached: one request for the instance (as every
        # Mastodon since 1.1 answers it) fails plainly first, a MastodonNetworkError naming the cause.
        client.instance_v1()
        media = client.media_post(io.BytesIO(picture.png), mime_type="image/png", description=picture.alt,
                                  file_name="edit.png")
    client.status_post(message.body, media_ids=[media] if media else None)


def bluesky_text(message: Message) -> Any:
    """The post's text as atproto's TextBuilder: each link in the message a real link (a facet), as
    Bluesky shows links only so."""
    from atproto import client_utils

    builder = client_utils.TextBuilder()
    body = message.body
    for url in message.links:
        before, found, body = body.partition(url)
        builder.text(before)
        if found:
            builder.link(url, url)
    builder.text(body)
    return builder


def post_bluesky(target: Account, message: Message, picture: Picture | None) -> None:
    """One post, with the picture and its alt text when there is one."""
    from atproto import Client

    client = Client()
    client.login(target.server, target.secret)
    text = bluesky_text(message)
    if picture is not None:
        client.send_image(text=text, image=picture.png, image_alt=picture.alt)
    else:
        client.send_post(text=text)
