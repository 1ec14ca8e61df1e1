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


def responses_only_mask(input_ids: Sequence[int], m: MarkerIds) -> list[bool]:
    """True where Unsloth keeps the label (its `_train_on_responses_only` loop)."""
    n = len(input_ids)
    trained = [False] * n
    if not m.a_must or not m.q_must:
        return trained  # Unsloth itself fails on an empty marker
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
                    for x in range(assistant_k, min(user_j, n)):
                        trained[x] = True
                    break
                j += 1
        j += 1
    return trained


def contains(ids: Sequence[int], sub: Sequence[int]) -> bool:
    if not sub:
        return False
    first, m = sub[0], len(sub)
    sub = list(sub)
    return any(ids[i] == first and list(ids[i : i + m]) == sub for i in range(len(ids) - m + 1))
