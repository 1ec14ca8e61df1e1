#!/usr/bin/env bash
# Debian packages for the editor end-to-end test: native build deps of code-server, ripgrep
# (fed to @vscode/ripgrep, whose own download is unreachable offline), Chromium and a font.
set -euo pipefail
pkgs=(build-essential pkg-config python3 libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev
      ripgrep chromium fonts-dejavu-core)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
