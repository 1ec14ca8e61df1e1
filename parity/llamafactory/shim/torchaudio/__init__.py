"""Stand-in for torchaudio, on sys.path only while recording LLaMA-Factory goldens.

llamafactory/data/mm_plugin.py imports torchaudio at module level but calls it only to
decode audio inputs. The registry has no torchaudio build for the CPU torch 2.13 wheel
(the newest, 2.11.1, fails to load its _torchaudio.so against torch 2.13), and the parity
rows are text-only, so any use of this stand-in is an error.
"""

__version__ = "0.0.0+parity-stub"


def __getattr__(name):
    raise ImportError(
        f"torchaudio.{name}: torchaudio is a stub in the parity venv (text-only rows)"
    )
