"""Unsloth's `train_on_responses_only`: the token-sequence search over a row's ids.

Matches unsloth_zoo.dataset_utils (`_find_common_token_ids`, `_longest_common_sublist`
and the labelling loop) step by step, including its quirks (the optional-right look-ahead
compares `input_ids[k + 1]`; the last token ends an assistant span), so the mask shown is
the mask Unsloth computes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

Encode = Callable[[str], list[int]]  # text -> ids, add_special_tokens=False


def _longest_common_sublist(lists: list[list[int]]) -> list[int]:
    if not lists:
        return []
    min_len = min(len(x) for x in lists)
    if min_len == 0:
        return []

    def has_common(length: int) -> tuple[bool, list[int]]:
        first = lists[0]
        common = {tuple(first[i : i + length]) for i in range(len(first) - length + 1)}
        for lst in lists[1:]:
            current = set()
            for i in range(len(lst) - length + 1):
                sub = tuple(lst[i : i + length])
                if sub in common:
                    current.add(sub)
            common = current
            if not common:
                return False, []
        return True, list(common.pop())

    left, right, result = 1, min_len, []
    while left <= right:
        mid = left + (right - left) // 2
        ok, sub = has_common(mid)
        if ok:
            result, left = sub, mid + 1
        else:
            right = mid - 1
    return result


def find_common_token_ids(
    component: str, encode: Encode, force_match: bool = True
) -> tuple[list[int], list[int], list[int]]:
    """(must, optional_left, optional_right) ids for a marker, as Unsloth computes them."""
    right_text = " " if component.endswith(" ") else "\n" if component.endswith("\n") else ""
    left_text = " " if component.startswith(" ") else "\n" if component.startswith("\n") else ""
    stripped = component.strip()
    all_ids: list[list[int]] = []
    if not force_match:
        for left in range(3):
            for right in range(3):
                all_ids.append(encode(left * left_text + stripped + right * right_text))
                all_ids.append(encode(left * "\n" + stripped + right * "\n"))
    else:
        all_ids.append(encode(component))
    substring = _longest_common_sublist([[*x, 0] for x in all_ids])
    if substring == [0] and len(all_ids[0]) == 1:
        single = all_ids[0][0]
        if all(single in x for x in all_ids):
            substring = [single]
    if (
        len({str(x) for x in all_ids}) == 1
        and len(all_ids[0]) + 1 == len(substring)
        and all_ids[0] == substring[:-1]
    ):
        substring = all_ids[0]
    original = encode(component)
    j = 0
    for j in range(len(original)):
        if original[j : j + len(substring)] == substring:
            break
    return substring, original[:j], original[j + len(substring) :]


@dataclass(frozen=True, slots=True)
class MarkerIds:
    q_must: list[int]
    q_left: list[int]
    q_right: list[int]
    a_must: list[int]
    a_left: list[int]
    a_right: list[int]


def marker_ids(instruction_part: str, response_part: str, encode: Encode) -> MarkerIds:
    q = find_common_token_ids(instruction_part, encode, True)
    a = find_common_token_ids(response_part, encode, True)
    return MarkerIds(*q, *a)


def responses_only_mask(
    input_ids: Sequence[int], m: MarkerIds, last_only: bool = False
) -> list[bool]:
    """True where Unsloth (unsloth_zoo 2026.9.6 and earlier) keeps the label: its
    `_train_on_responses_only` loop, a span running to the next instruction marker."""
    n = len(input_ids)
    trained = [False] * n
    if not m.a_must or not m.q_must:
        return trained  # Unsloth itself fails on an empty marker
    spans: list[tuple[int, int]] = []
    a_first, len_a, a_left_rev = m.a_must[0], len(m.a_must), m.a_left[::-1]
    q_first, len_q, q_left_rev = m.q_must[0], len(m.q_must), m.q_left[::-1]
    ids = list(input_ids)
    n1 = n - 1
    j = k = 0
    while j < n:
        # `k` is assigned as Unsloth's walrus does: whenever the first id matches.
        hit = False
        if ids[j] == a_first:
            k = j + len_a
            hit = ids[j:k] == m.a_must
        if hit:
            for opt in a_left_rev:
                if j < 1:
                    break
                if opt == ids[j - 1]:
                    j -= 1
                else:
                    break
            for opt in m.a_right:
                if k >= n1:
                    break
                if opt == ids[k + 1]:
                    k += 1
                else:
                    break
            assistant_k = k
            j = assistant_k
            while j < n:
                found = j == n1  # the last token closes the final assistant turn
                if not found and ids[j] == q_first:
                    k = j + len_q
                    found = ids[j:k] == m.q_must
                if found:
                    for opt in q_left_rev:
                        if j < 1:
                            break
                        if opt == ids[j - 1]:
                            j -= 1
                        else:
                            break
                    for opt in m.q_right:
                        if k >= n1:
                            break
                        if opt == ids[k + 1]:
                            k += 1
                        else:
                            break
                    user_j = j
                    if user_j != n1:
                        j = k
                    else:
                        user_j = n
                        k = n
                    spans.append((assistant_k, min(user_j, n)))
                    break
                j += 1
        j += 1
    return _apply(trained, spans[-1:] if last_only else spans)


def _apply(trained: list[bool], spans: list[tuple[int, int]]) -> list[bool]:
    for a, b in spans:
        trained[a:b] = [True] * (b - a)
    return trained


def message_start(
    m: MarkerIds, special_ids: set[int], has_text: Callable[[int], bool]
) -> list[int]:
    """The opener every role shares (<|im_start|>, <start_of_turn>): the common start of the
    two markers when it is special tokens, at least one of them not whitespace."""
    out: list[int] = []
    for q, a in zip(m.q_must, m.a_must, strict=False):
        if q != a:
            break
        out.append(q)
    if not all(t in special_ids for t in out) or not any(has_text(t) for t in out):
        return []
    return out


def responses_only_mask_boundary(
    input_ids: Sequence[int],
    m: MarkerIds,
    bos_id: int | None,
    eos_id: int | None,
    opener: list[int],
    last_only: bool = False,
) -> list[bool]:
    """True where Unsloth (unsloth_zoo 2026.9.7 and later) keeps the label: a span from the
    response marker ends at the eos (kept), a bos, the next message opener or response
    marker, or the next instruction marker."""
    ids = list(input_ids)
    n = len(ids)
    trained = [False] * n
    if not m.a_must or not m.q_must:
        return trained
    a_must, a_right, q_must, q_right = m.a_must, m.a_right, m.q_must, m.q_right
    # Edge trimming can cut a marker to the opener all roles share: keep it whole.
    if a_must == q_must[: len(a_must)] and a_right:
        a_must, a_right = a_must + a_right, []
    if q_must == a_must[: len(q_must)] and q_right:
        q_must, q_right = q_must + q_right, []
    a_first, len_a, a_left_rev = a_must[0], len(a_must), m.a_left[::-1]
    q_first, len_q, q_left_rev = q_must[0], len(q_must), m.q_left[::-1]
    boundary = {a_first} | {t for t in (bos_id, eos_id) if t is not None}
    if opener:
        boundary.add(opener[0])
    n1 = n - 1
    spans: list[tuple[int, int]] = []
    j = 0
    while j < n:
        if ids[j] == a_first and ids[j : (k := j + len_a)] == a_must:
            for opt in a_left_rev:
                if j < 1 or opt != ids[j - 1]:
                    break
                j -= 1
            for opt in a_right:
                if k >= n or opt != ids[k]:
                    break
                k += 1
            assistant_k = j = k
            while j < n:
                token = ids[j]
                if token in boundary:
                    if token == eos_id:
                        spans.append((assistant_k, j + 1))
                        break
                    if (
                        token == bos_id
                        or (opener and token == opener[0] and ids[j : j + len(opener)] == opener)
                        or (token == a_first and ids[j : j + len_a] == a_must)
                    ):
                        spans.append((assistant_k, j))
                        j -= 1  # revisit the boundary: a following assistant is not skipped
                        break
                if j == n1 or (token == q_first and ids[j : (k := j + len_q)] == q_must):
                    for opt in q_left_rev:
                        if j < 1 or opt != ids[j - 1]:
                            break
                        j -= 1
                    for opt in q_right:
                        if k >= n or opt != ids[k]:
                            break
                        k += 1
                    user_j = j
                    if user_j != n1:
                        j = k - 1
                    else:
                        user_j = n
                    spans.append((assistant_k, user_j))
                    break
                j += 1
        j += 1
    return _apply(trained, spans[-1:] if last_only else spans)


def contains(ids: Sequence[int], sub: Sequence[int]) -> bool:
    if not sub:
        return False
    first, m = sub[0], len(sub)
    sub = list(sub)
    return any(ids[i] == first and list(ids[i : i + m]) == sub for i in range(len(ids) - m + 1))


_PROBE_USER, _PROBE_ASSISTANT = "\u2060USERPROBE7q\u2060", "\u2060ASSTPROBE4z\u2060"


def template_parts(render: Callable[[list[dict]], str], specials: Sequence[str]) -> tuple[str, str]:
    """(instruction_part, response_part) read off the chat template, as Unsloth's
    `get_chat_template_parts` does for the common templates: render two exchanges with
    probe contents, and from the text between a user's content and the next assistant's
    (and back) keep what starts at the last special token that is followed by text (the
    turn opener: `<|im_start|>assistant\\n`, `<start_of_turn>model\\n`). ValueError when
    the template gives no such marker."""
    u, a = _PROBE_USER, _PROBE_ASSISTANT
    text = render(
        [
            {"role": "user", "content": u + "1"},
            {"role": "assistant", "content": a + "1"},
            {"role": "user", "content": u + "2"},
            {"role": "assistant", "content": a + "2"},
        ]
    )
    try:
        to_answer = text[text.index(u + "1") + len(u) + 1 : text.index(a + "1")]
        to_question = text[text.index(a + "1") + len(a) + 1 : text.index(u + "2")]
    except ValueError as exc:
        raise ValueError("the chat template does not render the turns' contents") from exc
    parts = (_opener(to_question, specials), _opener(to_answer, specials))
    if not all(parts):
        raise ValueError("no turn marker found between the rendered turns")
    return parts[0], parts[1]


def _opener(gap: str, specials: Sequence[str]) -> str:
    """`gap` from the last special token that is followed by text."""
    best = -1
    for s in specials:
        start = gap.find(s)
        while start != -1:
            if gap[start + len(s) :].strip() and start > best:
                best = start
            start = gap.find(s, start + 1)
    return gap[best:] if best >= 0 else ""
