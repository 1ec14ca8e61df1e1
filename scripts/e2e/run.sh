#!/usr/bin/env bash
# `npm run test:e2e`: package the extension, install it into a fresh code-server profile, open
# a scratch copy of tests/e2e-workspace and drive it with headless Chromium (scripts/e2e/e2e.mjs).
# The extension runs the server with the Python that runs this script (PYTHON=... to change).
# Screenshots of a passing run go to .e2e/screenshots; `--update-docs` (`npm run
# docs:screenshots`) writes them over the pictures in docs/ instead.
# Everything code-server writes stays in .e2e/, none of it in $HOME.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHOTS=$ROOT/.e2e/screenshots
[ "${1:-}" = --update-docs ] && SHOTS=$ROOT/docs
E2E=${E2E:-$ROOT/.e2e/run}
CS_HOME=${CS_HOME:-$ROOT/.e2e/code-server}
PORT=${PORT:-8765}
VSIX=$ROOT/vscode-extension/sftlint.vsix
# sys.executable, not `command -v python3`: a venv's python or a pyenv shim's target. The
# extension host starts from a login shell whose PATH may lead to another python3.
PYTHON=${PYTHON:-$(python3 -c 'import sys; print(sys.executable)')}
"$PYTHON" -c 'import sftlint' 2>/dev/null || {
  echo "e2e: $PYTHON has no sftlint: run scripts/setup.sh with it, or set PYTHON=..." >&2; exit 2; }
CS=$CS_HOME/node_modules/.bin/code-server
PROFILE=$E2E/profile WS=$E2E/workspace
rm -rf "$E2E"; mkdir -p "$PROFILE/user-data/User" "$E2E/out" "$SHOTS"
cp -r "$ROOT/tests/e2e-workspace" "$WS"
# code-server writes its config.yaml, logs and caches under these (default: ~/.config, ...)
export XDG_CONFIG_HOME=$PROFILE/xdg-config XDG_DATA_HOME=$PROFILE/xdg-data XDG_CACHE_HOME=$PROFILE/xdg-cache
ts() { date +%s.%N; }
t0=$(ts)
bash "$ROOT/scripts/e2e/install-code-server.sh" "$CS_HOME"
t1=$(ts)
[ -n "${SKIP_PACKAGE:-}" ] || (cd "$ROOT" && npm run package >/dev/null)
t2=$(ts)
CS_ARGS=(--user-data-dir "$PROFILE/user-data" --extensions-dir "$PROFILE/extensions"
         --disable-telemetry --disable-update-check --disable-workspace-trust --disable-getting-started-override)
INTERPRETER=$("$PYTHON" -c 'import json, sys; print(json.dumps(sys.executable))')
cat > "$PROFILE/user-data/User/settings.json" <<JSON
{ "sftlint.interpreter": $INTERPRETER,
  "workbench.startupEditor": "none", "workbench.tips.enabled": false, "workbench.enableExperiments": false,
  "telemetry.telemetryLevel": "off", "security.workspace.trust.enabled": false,
  "extensions.autoUpdate": false, "extensions.autoCheckUpdates": false, "extensions.ignoreRecommendations": true,
  "update.mode": "none", "git.enabled": false, "editor.hover.delay": 100, "editor.minimap.enabled": false,
  "workbench.colorTheme": "Default Light Modern", "window.commandCenter": false,
  "editor.fontSize": 15, "chat.commandCenter.enabled": false, "workbench.reduceMotion": "on",
  "editor.wordWrap": "off", "workbench.layoutControl.enabled": false }
JSON
"$CS" "${CS_ARGS[@]}" --install-extension "$VSIX" >"$PROFILE/install-ext.log" 2>&1
# own process group, so the extension host and the language server end with it
setsid "$CS" "${CS_ARGS[@]}" --auth none --bind-addr "127.0.0.1:$PORT" >"$PROFILE/code-server.log" 2>&1 &
CS_PID=$!
stop_cs() {
  kill -TERM -- -$CS_PID 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 -- -$CS_PID 2>/dev/null || return 0; sleep 0.25; done
  kill -KILL -- -$CS_PID 2>/dev/null || true
}
trap stop_cs EXIT
for _ in $(seq 1 120); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.25; done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" || { echo "code-server did not come up"; cat "$PROFILE/code-server.log"; exit 1; }
t3=$(ts)
rc=0
CS_URL="http://127.0.0.1:$PORT" WS_DIR="$WS" OUT_DIR="$E2E/out" SHOTS_DIR="$SHOTS" PYTHON="$PYTHON" \
  node "$ROOT/scripts/e2e/e2e.mjs" || rc=$?
t4=$(ts)
grep -h "sftlint.sftlint.*onLanguage:jsonl" "$PROFILE"/user-data/logs/*/exthost*/remoteexthost.log \
  || echo "no activation line for sftlint.sftlint"
if [ $rc -ne 0 ]; then
  echo "== sftlint output channel"; cat "$PROFILE"/user-data/logs/*/exthost*/sftlint.sftlint/*.log 2>/dev/null | tail -40 || true
  echo "failure screenshots: $E2E/out"
else
  echo "screenshots: $SHOTS"
fi
"$PYTHON" -c "print(f'timing: code-server check/install {$t1-$t0:.1f}s, package {$t2-$t1:.1f}s, code-server up {$t3-$t2:.1f}s, browser test {$t4-$t3:.1f}s')"
exit $rc
