"""Loading tokenizers offline: built-in Mistral tokenizers, local folders, the HF cache.

Nothing here touches the network (HF_HUB_OFFLINE, local_files_only=True) or runs remote
code. transformers is imported lazily, so checking without a tokenizer never imports it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .settings import MaskSettings

# Built-in names -> (file in mistral-common's data/ folder, chat template family).
BUILTIN_TOKENIZERS: dict[str, tuple[str, str]] = {
    "mistral-v1": ("tokenizer.model.v1", "mistral-v1"),
    "mistral-v3": ("mistral_instruct_tokenizer_240323.model.v3", "mistral-v3"),
    "mistral-tekken": ("tekken_240911.json", "mistral-tekken"),
}

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_LOCK = threading.Lock()
_SLOW_LOCK = threading.Lock()
_CACHE: dict[tuple, TokenizerHandle] = {}


@dataclass(eq=False)
class TokenizerHandle:
    """A loaded tokenizer, or the reason it could not load (`error`)."""

    name: str | None
    tokenizer: Any = None  # a transformers fast tokenizer
    error: str | None = None
    builtin: str | None = None  # built-in name, e.g. "mistral-v3"
    mistral_file: str | None = None  # the mistral-common file, for canonical encodings
    default_template: str | None = None  # built-in family used when no chat template is set
    sp_model: str | None = None  # a SentencePiece .model for the same vocabulary: the slow one
    sp_legacy: bool = True  # the slow tokenizer's `legacy` flag, as tokenizer_config.json sets it
    _mistral: Any = field(default=None, repr=False)
    _slow: Any = field(default=None, repr=False)  # False once loading failed
    _memo: dict = field(default_factory=dict, repr=False)  # per-handle caches (marker ids...)

    @property
    def ok(self) -> bool:
        return self.error is None and self.tokenizer is not None

    @property
    def key(self) -> tuple:
        return (self.name, self.builtin, id(self.tokenizer))

    @property
    def backend(self) -> Any:
        """The `tokenizers.Tokenizer` behind the fast tokenizer (batch encode with offsets)."""
        return getattr(self.tokenizer, "backend_tokenizer", None) or getattr(
            self.tokenizer, "_tokenizer", None
        )

    def mistral_tokenizer(self) -> Any:
        """mistral-common's own tokenizer (ground truth) for the built-ins, else None."""
        if self.mistral_file is None:
            return None
        if self._mistral is None:
            from mistral_common.protocol.instruct.validator import ValidationMode
            from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

            # finetuning mode: rows end with an assistant turn, which serving mode rejects.
            self._mistral = MistralTokenizer.from_file(
                self.mistral_file,
                mode=ValidationMode.finetuning,  # type: ignore[arg-type]  # typed as auto()
            )
        return self._mistral

    def slow_tokenizer(self) -> Any:
        """transformers' slow (SentencePiece) tokenizer of the same vocabulary, splitting on
        the fast tokenizer's added tokens as the slow one does; None when it cannot load."""
        if self.sp_model is None or not self.ok:
            return None
        if self._slow is None:
            with _SLOW_LOCK:
                if self._slow is None:
                    self._slow = _load_slow(self) or False
        return self._slow or None


def _load_slow(handle: TokenizerHandle) -> Any:
    tok = handle.tokenizer
    specials = [t.content for t in tok.added_tokens_decoder.values()]
    try:
        with quiet_transformers():
            from transformers.tokenization_utils_sentencepiece import SentencePieceBackend

            return SentencePieceBackend(
                vocab_file=handle.sp_model,
                legacy=handle.sp_legacy,
                bos_token=tok.bos_token,
                eos_token=tok.eos_token,
                unk_token=tok.unk_token,
                extra_special_tokens=specials,
            )
    except Exception:  # no sentencepiece/protobuf, or not a SentencePiece model: no check
        return None


def _slow_source(target: str, is_dir: bool) -> tuple[str | None, bool]:
    """(tokenizer.model beside the fast tokenizer, its `legacy` flag), from a local folder or
    the Hugging Face cache (never the network)."""
    if is_dir:
        folder = Path(target)
        model = folder / "tokenizer.model"
        config: Path | None = folder / "tokenizer_config.json"
        sp = str(model) if model.is_file() else None
    else:
        try:
            from huggingface_hub import try_to_load_from_cache
        except ImportError:
            return None, True
        found = try_to_load_from_cache(target, "tokenizer.model")
        sp = found if isinstance(found, str) else None
        found = try_to_load_from_cache(target, "tokenizer_config.json")
        config = Path(found) if isinstance(found, str) else None
    legacy = True  # the slow LlamaTokenizer's default
    if sp is not None and config is not None and config.is_file():
        with contextlib.suppress(OSError, ValueError, AttributeError):
            value = json.loads(config.read_text(encoding="utf-8")).get("legacy")
            legacy = value if isinstance(value, bool) else True
    return sp, legacy


@contextlib.contextmanager
def quiet_transformers():
    """Keep transformers' import notices ("PyTorch was not found") and warnings out of output."""
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
        yield transformers


def _cache_root() -> Path:
    base = os.environ.get("SFTLINT_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) / "sftlint" if base else Path.home() / ".cache" / "sftlint"
    return root / "tokenizers"


def _mistral_data_dir() -> Path:
    import mistral_common

    return Path(mistral_common.__file__).parent / "data"


# How the SentencePiece built-ins split text after a special token, as mistral-common's
# canonical encoder does: v1's "[INST]" is plain text ("▁[INST]" after <s>, the legacy
# behaviour); v3's [INST] is a control token followed by an explicit space.
_LEGACY = {"mistral-v1": True, "mistral-v3": False}
_BUILD = 3  # bump when the built-in folders change, so cached ones are rebuilt


def _builtin_folder(name: str) -> tuple[Path, Path]:
    """Build (once) a transformers folder for a built-in; returns (folder, mistral file)."""
    import mistral_common

    filename, _family = BUILTIN_TOKENIZERS[name]
    source = _mistral_data_dir() / filename
    if not source.is_file():
        raise FileNotFoundError(f"mistral-common does not ship {filename}")
    version = getattr(mistral_common, "__version__", "0")
    folders = [
        _cache_root() / f"{name}-mc{version}-b{_BUILD}",
        Path(tempfile.gettempdir()) / "sftlint",
    ]
    for i, folder in enumerate(folders):
        if i == 1:
            folder = folder / f"{name}-mc{version}-b{_BUILD}"
        if (folder / "tokenizer.json").is_file():
            return folder, source
        try:
            _write_builtin(name, source, folder)
            return folder, source
        except OSError:
            continue  # read-only cache: try the next place
    raise OSError(f"cannot write the converted tokenizer for {name}")


def _write_builtin(name: str, source: Path, folder: Path) -> None:
    with quiet_transformers() as transformers:
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=_ensure(folder.parent)))
        config = {
            "bos_token": "<s>",
            "eos_token": "</s>",
            "unk_token": "<unk>",
            "model_max_length": 1_000_000,
        }
        if source.suffix == ".json":
            # Tekken: transformers' own converter gives a tokenizers.Tokenizer.
            from tokenizers import processors
            from transformers.integrations.mistral.tokenizer import MistralConverter

            backend = MistralConverter(str(source)).converted()
            bos_id = backend.token_to_id("<s>")
            # Add BOS like the published tokenizer.json of Tekken models does.
            backend.post_processor = processors.TemplateProcessing(
                single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", bos_id)]
            )
            tok = transformers.PreTrainedTokenizerFast(tokenizer_object=backend, **config)
        else:
            import shutil

            shutil.copyfile(source, tmp / "tokenizer.model")
            (tmp / "tokenizer_config.json").write_text(
                json.dumps(
                    {"tokenizer_class": "LlamaTokenizer", "legacy": _LEGACY[name], **config},
                    indent=1,
                )
            )
            tok = transformers.AutoTokenizer.from_pretrained(str(tmp), local_files_only=True)
            (tmp / "tokenizer.model").unlink()
        tok.save_pretrained(str(tmp))
        if name in _LEGACY:  # save_pretrained drops `legacy`; loading would default it
            saved = tmp / "tokenizer_config.json"
            saved_config = json.loads(saved.read_text(encoding="utf-8"))
            saved_config["legacy"] = _LEGACY[name]
            saved.write_text(json.dumps(saved_config, indent=1), encoding="utf-8")
        with contextlib.suppress(OSError):
            (tmp / "chat_template.jinja").unlink()
        if folder.exists():
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)  # another process won the race
        else:
            tmp.rename(folder)


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _load(settings: MaskSettings) -> TokenizerHandle:
    name = settings.tokenizer
    if not name:
        return TokenizerHandle(name, error="no tokenizer configured (set `tokenizer`)")
    try:
        if name in BUILTIN_TOKENIZERS:
            folder, source = _builtin_folder(name)
            with quiet_transformers() as transformers:
                tok = transformers.AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
            return TokenizerHandle(
                name,
                tok,
                builtin=name,
                mistral_file=str(source),
                default_template=BUILTIN_TOKENIZERS[name][1],
                # Tekken has no SentencePiece model.
                sp_model=str(source) if source.suffix != ".json" else None,
                sp_legacy=_LEGACY.get(name, False),
            )
        path = settings.resolve_path(name)
        if path.exists():
            if not path.is_dir():
                return TokenizerHandle(name, error=f"tokenizer is not a folder: {path}")
            target = str(path)
        elif _REPO_ID.match(name):
            target = name  # a Hub repo id: resolved from the local cache only
        else:
            return TokenizerHandle(name, error=_unknown_name(name, path))
        with quiet_transformers() as transformers:
            tok = transformers.AutoTokenizer.from_pretrained(
                target, local_files_only=True, trust_remote_code=False
            )
        if not getattr(tok, "is_fast", False):
            return TokenizerHandle(
                name, error=f"tokenizer {name!r} has no fast (tokenizer.json) version"
            )
        sp_model, sp_legacy = _slow_source(target, path.is_dir())
        return TokenizerHandle(name, tok, sp_model=sp_model, sp_legacy=sp_legacy)
    except Exception as exc:  # never raise: one clear finding instead
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "local_files_only" in str(exc) or "offline" in str(exc).lower():
            return TokenizerHandle(
                name,
                error=f"tokenizer {name!r} is not in the local Hugging Face cache and sftlint "
                f"never downloads: fetch it once (`huggingface-cli download {name}`) or name "
                "a local folder",
            )
        return TokenizerHandle(name, error=f"cannot load tokenizer {name!r}: {msg}")


def _unknown_name(name: str, path: Path) -> str:
    """Why `name` is no tokenizer: the built-ins, and the nearest one when it looks like a typo."""
    import difflib

    close = difflib.get_close_matches(name, BUILTIN_TOKENIZERS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return (
        f"unknown tokenizer {name!r}: not a built-in ({', '.join(BUILTIN_TOKENIZERS)}), "
        f"a local folder ({path} not found) or a Hugging Face repo id{hint}"
    )


def load_tokenizer(settings: MaskSettings) -> TokenizerHandle:
    """Load (cached per tokenizer setting and base dir); never raises."""
    key = (settings.tokenizer, settings.base_dir)
    with _LOCK:
        handle = _CACHE.get(key)
        if handle is None:
            handle = _CACHE[key] = _load(settings)
    return handle


def clear_tokenizer_cache() -> None:
    with _LOCK:
        _CACHE.clear()
