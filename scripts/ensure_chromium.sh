#!/usr/bin/env bash
# Make sure a headless-capable Chromium is installed (Debian's `chromium` package), for the
# book's browser test. Does nothing when one is already there. Never downloads a browser from
# anywhere but the system's package manager.
#
#   scripts/ensure_chromium.sh          # prints the path of the chromium binary
#   CHROMIUM=/path/to/chrome scripts/ensure_chromium.sh   # use that one instead
set -euo pipefail

find_chromium() {
    if [[ -n "${CHROMIUM:-}" ]]; then
        [[ -x "$CHROMIUM" ]] && { echo "$CHROMIUM"; return 0; }
        echo "CHROMIUM=$CHROMIUM is not an executable file" >&2
        return 2
    fi
    local name
    for name in chromium chromium-browser google-chrome-stable google-chrome; do
        if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
    done
    return 1
}

if path=$(find_chromium); then
    echo "$path"
    exit 0
elif [[ $? -eq 2 ]]; then
    exit 2
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "Chromium is missing and this is not a Debian/Ubuntu system (no apt-get):" \
         "install chromium with your package manager, or set CHROMIUM=/path/to/chromium" >&2
    exit 1
fi
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "Chromium is missing and installing it needs root: run 'apt-get install chromium' as root" >&2
        exit 1
    fi
fi
echo "installing Debian's chromium (apt-get, needed by the browser test) ..." >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq >&2
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium >&2
find_chromium
