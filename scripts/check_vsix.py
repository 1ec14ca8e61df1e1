"""Check a packaged extension as a machine without the repository gets it: the .vsix holds
one sftlint wheel (the one given, byte for byte, when --wheel is), and the server starts
from that wheel the way the extension starts it: `pip install` of the bundled wheel
("Install sftlint"), the extension's probe, then `python -m sftlint serve` over stdio,
answering `initialize`.

    python scripts/check_vsix.py vscode-extension/sftlint.vsix [--wheel dist/sftlint-*.whl]

The venv sees the installed dependencies (offline, as CI's wheel check); sftlint itself
must come from the wheel, run from a folder outside the repository.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import tempfile
import venv
import zipfile
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

# vsce puts the extension's files under extension/; the extension looks in bundled/
# (src/interpreter.ts bundledWheel).
WHEEL = re.compile(r"extension/bundled/(sftlint-[^-/]+-[^/]*\.whl)")


def bundled_wheel(vsix: Path, expected: Path | None) -> tuple[str, bytes]:
    """The name and bytes of the one wheel in the .vsix; SystemExit saying what is wrong."""
    with zipfile.ZipFile(vsix) as z:
        found = [m[1] for name in z.namelist() if (m := WHEEL.fullmatch(name))]
        if len(found) != 1:
            raise SystemExit(f"{vsix}: {len(found)} sftlint wheels in extension/bundled/, not 1")
        data = z.read(f"extension/bundled/{found[0]}")
    if expected is not None and data != expected.read_bytes():
        raise SystemExit(f"{vsix}: the bundled {found[0]} is not {expected}")
    return found[0], data


async def initialize(python: Path, cwd: Path) -> types.InitializeResult:
    """Start `python -m sftlint serve` as the extension does, initialize, shut it down."""
    client = LanguageClient("check-vsix", "1")
    await client.start_io(str(python), "-m", "sftlint", "serve", cwd=str(cwd))
    try:
        params = types.InitializeParams(capabilities=types.ClientCapabilities())
        result = await asyncio.wait_for(client.initialize_async(params), 60)
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vsix", type=Path)
    parser.add_argument("--wheel", type=Path, help="the wheel the .vsix must carry")
    args = parser.parse_args()
    name, data = bundled_wheel(args.vsix, args.wheel)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = Path(tmp, name)
        wheel.write_bytes(data)
        env = Path(tmp, "venv")
        venv.create(env, system_site_packages=True)  # pip: the system one, installing here
        python = env / "bin" / "python"
        install = [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index"]
        subprocess.run([*install, str(wheel)], check=True, timeout=300)
        where = subprocess.run(
            [str(python), "-c", "import sftlint; print(sftlint.__file__)"],
            cwd=tmp,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not Path(where).is_relative_to(env):
            raise SystemExit(f"sftlint imported from {where}, not from the bundled wheel")
        result = asyncio.run(initialize(python, Path(tmp)))
    info = result.server_info
    if info is None or info.name != "sftlint" or result.capabilities.text_document_sync is None:
        raise SystemExit(f"the server from {name} did not initialize as sftlint: {result}")
    print(f"{args.vsix}: {name} installs and its server initializes ({info.name} {info.version})")


if __name__ == "__main__":
    main()
