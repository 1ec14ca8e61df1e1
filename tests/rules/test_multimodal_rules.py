"""M rules: media placeholders against the media lists."""

from __future__ import annotations

from pathlib import Path

from sftlint.engine import engine
from sftlint.model import Finding
from sftlint.settings import Settings


def check(tmp_path: Path, text: str) -> list[tuple[int, int, int, int, str]]:
    path = tmp_path / "mm.jsonl"
    path.write_bytes(text.encode())
    return located(engine.check_path(path, Settings()).findings)


def located(findings: list[Finding]) -> list[tuple[int, int, int, int, str]]:
    return [
        (
            f.range.start.line + 1,
            f.range.start.column + 1,
            f.range.end.line + 1,
            f.range.end.column + 1,
            f.message,
        )
        for f in findings
        if f.code == "M001"
    ]


def conv(user: str, media: str) -> str:
    return (
        f'{{"messages": [{{"role": "user", "content": {user}}}, '
        f'{{"role": "assistant", "content": "ok"}}]{media}}}\n'
    )


def test_m001_more_placeholders_than_images(tmp_path: Path) -> None:
    text = conv('"<image><image>What differs?"', ', "images": ["a.jpg"]')
    assert check(tmp_path, text) == [
        (
            1,
            116,
            1,
            124,
            'images: 2 "<image>" placeholders in the conversation but 1 entry in "images"',
        )
    ]


def test_m001_videos_and_audios(tmp_path: Path) -> None:
    text = conv('"<video>listen <audio>"', ', "videos": [], "audios": ["a.wav", "b.wav"]')
    assert check(tmp_path, text) == [
        (
            1,
            110,
            1,
            118,
            'videos: 1 "<video>" placeholder in the conversation but 0 entries in "videos"',
        ),
        (
            1,
            124,
            1,
            132,
            'audios: 1 "<audio>" placeholder in the conversation but 2 entries in "audios"',
        ),
    ]


def test_m001_content_parts_count_as_images(tmp_path: Path) -> None:
    parts = '[{"type": "image"}, {"type": "text", "text": "<image> and this?"}]'
    text = conv(parts, ', "images": ["a.jpg"]')
    assert check(tmp_path, text) == [
        (
            1,
            153,
            1,
            161,
            'images: 2 images in the conversation (1 "<image>" placeholder, 1 image part) '
            'but 1 entry in "images"',
        )
    ]


def test_m001_matching_counts_pass(tmp_path: Path) -> None:
    text = conv('"<image>Who?"', ', "images": ["a.jpg"]') + conv(
        '[{"type": "image_url", "image_url": {"url": "b.jpg"}}]', ', "images": ["b.jpg"]'
    )
    assert check(tmp_path, text) == []


def test_m001_placeholders_without_list_in_multimodal_file(tmp_path: Path) -> None:
    good = conv('"<image>Who?"', ', "images": ["a.jpg"]')
    text = good + good.replace("Who", "What") + conv('"<image>Where?"', "")
    assert check(tmp_path, text) == [
        (
            3,
            2,
            3,
            12,
            'messages: 1 "<image>" placeholder in the conversation but no "images" in this row',
        )
    ]


def test_m001_html_tags_in_text_only_file_pass(tmp_path: Path) -> None:
    assert check(tmp_path, conv('"How do I embed a <video> tag?"', "") * 2) == []


def test_corpus_multimodal_files_are_clean(llamafactory: Path) -> None:
    for name in ("mllm_demo.json", "v1_multimodal_demo.jsonl"):
        assert located(engine.check_path(llamafactory / name, Settings()).findings) == []
