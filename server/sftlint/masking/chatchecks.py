"""Checks on a masked chat row: what the template changes in the text (L008), an end of
turn not trained (L007), prompt tokens trained (L011), and the turn headers as rendered."""

from __future__ import annotations

import re

from .context import Context
from .findings import INFO, WARNING, MaskIssue, turn_name
from .locate import Located, header_text, template_text
from .results import MaskResult
from .settings import MaskSettings
from .spans import Spans

_DATE = re.compile(r"\b(19|20)\d\d\b|\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)")


def headers(res: MaskResult, text: str, locs: list[Located]) -> None:
    """Turn headers as rendered, for the file-level marker fix."""
    for loc in locs:
        if loc.role not in ("user", "assistant") or loc.role in res.headers or loc.host is not None:
            continue
        h = header_text(text, loc, locs)
        if not h.strip():
            # No header of its own (Mistral): the text since the previous content.
            prev = max((o.end for o in locs if o.found and o.end <= loc.start), default=0)
            h = text[prev : loc.start].lstrip()
        if h.strip():
            res.headers[loc.role] = h


def text_changes(
    ctx: Context,
    res: MaskResult,
    text: str,
    messages: list[dict],
    locs: list[Located],
    tok_region: dict[int, tuple[int, int]],
    spans: Spans,
) -> None:
    dropped = [loc for loc in locs if loc.kind != "trimmed" and _reasoning_dropped(loc)]
    if dropped:  # one template behaviour: one finding naming every turn that loses it
        first = dropped[0]
        if len(dropped) == 1:
            what = f"{turn_name(first.index, first.role)}: the template drops the <think> block "
            what += "from this turn"
        else:
            numbers = [str(loc.index + 1) for loc in dropped]
            what = (
                f"turns {', '.join(numbers[:-1])} and {numbers[-1]} ({first.role}): the "
                "template drops their <think> blocks"
            )
        # One cause however many turns lose it: the rows of a file print as one line.
        cause = "the template drops earlier turns' <think> blocks"
        res.issues.append(MaskIssue("L008", INFO, what, first.index, cause=cause))
    for loc in locs:
        role = loc.role
        name = turn_name(loc.index, role)
        if loc.kind == "trimmed":
            res.issues.append(
                MaskIssue(
                    "L008",
                    INFO,
                    f"{name}: the template trims the content's leading/trailing whitespace",
                    loc.index,
                )
            )
        elif _reasoning_dropped(loc):
            pass  # reported above
        elif (
            loc.kind == "missing"
            and role == "system"
            and template_text(messages[loc.index].get("content"))
        ):
            res.issues.append(
                MaskIssue(
                    "L008", WARNING, f"{name}: the template drops the system prompt", loc.index
                )
            )
        if role == "system" and loc.host is not None:
            res.issues.append(
                MaskIssue(
                    "L008",
                    INFO,
                    f"{name}: the template folds the system prompt into turn {loc.host + 1} "
                    f"({res.roles[loc.host]})",
                    loc.index,
                )
            )
    # Text the row does not hold, before the first turn (a default system prompt, a date).
    start = min((loc.region[0] for loc in locs if loc.region and loc.host is None), default=0)
    injected = text[:start]
    if not injected or injected in ctx.boundaries:
        return
    for special in (*ctx.boundaries, *(ctx.template_kwargs.get("additional_special_tokens") or [])):
        injected = injected.replace(special, "")
    injected = re.sub(r"<\|[^|>]*\|>|<[a-z_]+>|\[[A-Z_/]+\]", "", injected).strip()
    if any(loc.role == "system" and not loc.found and _empty(messages, loc) for loc in locs):
        # An empty system prompt renders its bare header (chatml, llama3): the row's own turn.
        injected = injected.removeprefix("system").strip()
    if len(injected) > 3:
        what = "a date" if _DATE.search(injected) else "text"
        res.issues.append(
            MaskIssue(
                "L008",
                INFO,
                f"the template injects {what} the row does not hold before the first turn: "
                f"{injected[:60]!r}",
                None,
            )
        )


def _empty(messages: list[dict], loc: Located) -> bool:
    return not template_text(messages[loc.index].get("content"))


def _reasoning_dropped(loc: Located) -> bool:
    return loc.kind == "think" or loc.reasoning_dropped


def check_eot_trained(
    ctx: Context,
    res: MaskResult,
    locs: list[Located],
    tok_eot: dict[int, tuple[int, int]],
    trained_turns: list[int],
) -> None:
    for i in trained_turns:
        if res.roles[i] != "assistant" or i not in tok_eot:
            continue
        a, b = tok_eot[i]
        if b > a and not any(res.trained_mask[a:b]):
            piece = ctx.piece(res.ids[a]) or "?"
            res.issues.append(
                MaskIssue(
                    "L007",
                    WARNING,
                    f"{turn_name(i, 'assistant')}: its end-of-turn token {piece} is not trained, "
                    "so the model never learns to stop" + _eot_cause(ctx, res.ids[a], piece),
                    i,
                )
            )
            return  # once per row


def _eot_cause(ctx: Context, token: int, piece: str) -> str:
    """Why the trainer leaves the token out, when it trains only listed end-of-turn tokens
    (Axolotl's eot_tokens, by default its eos, which a Gemma template never writes)."""
    if ctx.eot_train_ids is None or token in ctx.eot_train_ids:
        return ""
    listed = "eot_tokens"
    if ctx.settings.eot_tokens is None:
        listed += f" (default: the eos token {ctx.handle.tokenizer.eos_token})"
    name = "Axolotl" if ctx.settings.profile.trainer == "axolotl" else "the trainer"
    return f": {name} trains only its {listed}; add {piece} to eot_tokens"


def prompt_trained(res: MaskResult, settings: MaskSettings) -> None:
    if settings.strategy != "full" and not settings.train_on_prompt:
        return
    count = sum(
        1
        for t, m in zip(res.turn_of, res.trained_mask, strict=False)
        if m and (t is None or res.roles[t] != "assistant")
    )
    if count:
        why = "strategy full" if settings.strategy == "full" else "train-on-prompt"
        res.issues.append(
            MaskIssue(
                "L011",
                INFO,
                f"{why} trains {count} prompt tokens (system/user/tool turns and template "
                "text); set strategy: assistant-only to train on the answers only",
                None,
            )
        )
