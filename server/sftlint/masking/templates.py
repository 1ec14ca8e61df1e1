"""Chat templates: built-in families (templates/*.jinja), .jinja files, the tokenizer's own."""

from __future__ import annotations

import difflib
import re
from functools import cache
from pathlib import Path

from .settings import MaskSettings

TEMPLATE_DIR = Path(__file__).parent / "templates"
BUILTIN_TEMPLATES = (
    "chatml",
    "llama3",
    "gemma3",
    "phi3",
    "phi4",
    "mistral-v1",
    "mistral-v3",
    "mistral-tekken",
)
# Axolotl's built-ins that the axolotl profile's `chat-template` names (templates/axolotl).
AXOLOTL_TEMPLATES = ("chatml", "llama3", "gemma3")
# The built-ins that render tools as mistral-common encodes them (messages.mistral_layout).
MISTRAL_TEMPLATES = ("mistral-v3", "mistral-tekken")
_GENERATION = re.compile(r"\{\%-?\s*generation\s*-?\%\}")


@cache
def builtin_template(name: str) -> str:
    return (TEMPLATE_DIR / f"{name}.jinja").read_text(encoding="utf-8")


def is_builtin(template: str) -> bool:
    """Whether `template` is the text of one of the package's own templates."""
    return template in _builtin_texts()


@cache
def _builtin_texts() -> frozenset[str]:
    files = [*TEMPLATE_DIR.glob("*.jinja"), *(TEMPLATE_DIR / "axolotl").glob("*.jinja")]
    return frozenset(f.read_text(encoding="utf-8") for f in files)


def has_generation_blocks(template: str) -> bool:
    """Same test transformers applies before tracking `{% generation %}` spans."""
    return bool(_GENERATION.search(template))


def resolve_template(settings: MaskSettings, tokenizer: object, default: str | None) -> str:
    """The template text to render with; raises ValueError with a one-line reason."""
    spec = settings.chat_template
    if settings.trainer == "llama-factory":  # its own templates, encoded slot by slot
        from .llamafactory import TEMPLATES

        if spec in TEMPLATES:
            return ""
        raise ValueError(
            f"trainer llama-factory: chat-template {spec!r} is not one of LLaMA-Factory's "
            f"templates sftlint knows ({', '.join(TEMPLATES)})"
        )
    if spec:
        if settings.trainer == "axolotl" and spec in AXOLOTL_TEMPLATES:  # Axolotl's own
            return (TEMPLATE_DIR / "axolotl" / f"{spec}.jinja").read_text(encoding="utf-8")
        if spec in BUILTIN_TEMPLATES:
            return builtin_template(spec)
        if "{%" in spec or "{{" in spec:
            return spec  # an inline template
        path = settings.resolve_path(spec)
        if path.is_file():
            return path.read_text(encoding="utf-8")
        close = difflib.get_close_matches(spec, BUILTIN_TEMPLATES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"chat template {spec!r} is neither a built-in ({', '.join(BUILTIN_TEMPLATES)}) "
            f"nor a file ({path} not found){hint}"
        )
    own = getattr(tokenizer, "chat_template", None)
    if isinstance(own, dict):  # named templates: use "default"
        own = own.get("default") or next(iter(own.values()), None)
    if own:
        return own
    if default:
        return builtin_template(default)
    raise ValueError("the tokenizer has no chat template; set `chat-template`")
