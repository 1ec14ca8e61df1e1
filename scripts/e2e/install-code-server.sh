#!/usr/bin/env bash
# Project-local, offline-safe (registries only) install of code-server 4.100.3 (VS Code 1.100.3,
# the last release line on Node 20) into DEST (default .e2e/code-server, git-ignored).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEST=${1:-$ROOT/.e2e/code-server}
VERSION=4.100.3
# Even `code-server --version` writes a config.yaml and logs (default: ~/.config, ~/.local/share).
export XDG_CONFIG_HOME=$DEST/xdg/config XDG_DATA_HOME=$DEST/xdg/data XDG_CACHE_HOME=$DEST/xdg/cache
if [ -x "$DEST/node_modules/.bin/code-server" ] && \
   [ "$("$DEST/node_modules/.bin/code-server" --version 2>/dev/null | head -1 | cut -d' ' -f1)" = "$VERSION" ]; then
  exit 0
fi
bash "$ROOT/scripts/e2e/install-deps.sh"
# @vscode/ripgrep@1.15.11's postinstall downloads rg from GitHub unless the asset is already in
# its cache dir ($TMPDIR/vscode-ripgrep-cache-<pkgver>/): feed it Debian's rg instead.
RG_CACHE="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
mkdir -p "$RG_CACHE"; tmp=$(mktemp -d); cp /usr/bin/rg "$tmp/rg"
tar czf "$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$tmp" rg; rm -rf "$tmp"
mkdir -p "$DEST"; cd "$DEST"
[ -f package.json ] || echo '{"name":"code-server-host","private":true}' > package.json
# NOT -g: under -g the nested `npm install` in lib/vscode inherits npm_config_global and breaks.
# unsafe_perm: code-server's postinstall refuses to run as root without it.
# yes: node-pty's postinstall runs `npx node-gyp`; an npmrc with yes=false cancels npx.
# nodedir: node-gyp must not download Node headers.
npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=${npm_config_nodedir:-/usr} \
  npm install --no-audit --no-fund "code-server@$VERSION"
"$DEST/node_modules/.bin/code-server" --version | head -1
