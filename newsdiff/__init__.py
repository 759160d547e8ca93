"""newsdiff: keep every version of every news article you track and say, sentence by sentence, what changed.

The public API for Python users; the `newsdiff` command is a thin layer over it.
"""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("newsdiff")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

from .model import ArticleRecord, InputError, ParsedInput, clean_text  # noqa: E402
from .sources import ParseOptions, parse_bytes  # noqa: E402
from .store import AddResult, NotFound, RawInput, Store  # noqa: E402
from .importer import FileResult, import_file, import_paths  # noqa: E402

__all__ = [
    "__version__",
    "AddResult",
    "ArticleRecord",
    "FileResult",
    "InputError",
    "NotFound",
    "ParseOptions",
    "ParsedInput",
    "RawInput",
    "Store",
    "clean_text",
    "import_file",
    "import_paths",
    "parse_bytes",
]
