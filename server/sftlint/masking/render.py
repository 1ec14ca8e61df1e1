"""Render a chat row like `apply_chat_template(tokenize=False)`, with the character spans
of its `{% generation %}` blocks (transformers' own renderer)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .tokenizers import quiet_transformers

if TYPE_CHECKING:  # the context renders with this module: a type only, no cycle
    from .context import Context


def render_chat(
    ctx: Context,
    messages: list[dict],
    tools: list | None = None,
    add_generation_prompt: bool = False,
) -> tuple[str, list[tuple[int, int]] | None]:
    """Render like `apply_chat_template(tokenize=False)`, plus the generation spans."""
    ctu = _ctu()
    from .templatebounds import bounded  # jinja2: imported with transformers, not before

    template = ctx.template
    assert template is not None  # else context set template_error and nothing renders

    normalize = getattr(ctu, "_normalize_chat_messages", None)
    convo = normalize(messages) if normalize else messages
    render = getattr(ctu, "render_jinja_template", None)
    if render is None:  # an older/newer transformers: the public API, without spans
        with bounded(template):
            text = ctx.handle.tokenizer.apply_chat_template(
                convo,
                tools=tools,
                chat_template=ctx.template,
                tokenize=False,
                add_generation_prompt=add_generation_prompt,
            )
        return text, None
    with bounded(template):  # the repository's template is untrusted: time and size
        rendered, gen = render(
            conversations=[convo],
            tools=tools,
            chat_template=ctx.template,
            return_assistant_tokens_mask=ctx.has_gen,
            add_generation_prompt=add_generation_prompt,
            **ctx.template_kwargs,
        )
    spans = [tuple(x) for x in gen[0]] if ctx.has_gen and gen else None
    return rendered[0], spans


_CTU: Any = None


def _ctu() -> Any:
    global _CTU
    if _CTU is None:
        with quiet_transformers():
            from transformers.utils import chat_template_utils

        from .templatebounds import install

        install(chat_template_utils)
        _CTU = chat_template_utils
    return _CTU
