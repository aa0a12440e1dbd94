#!/bin/sh
# Load an HTML report of keyward in headless Chromium (Debian's `chromium`): fail on a console
# message, and write a screenshot beside it (REPORT.png) to look at.
#   scripts/html-check.sh REPORT.html [WIDTHxHEIGHT]
set -eu
report=$1
size=${2:-1300,2400}
command -v chromium >/dev/null || { echo "chromium is not installed (apt-get install -y chromium)" >&2; exit 2; }
abs=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
log=$(mktemp)
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --enable-logging=stderr --v=0 \
  --window-size="$size" --screenshot="${abs%.html}.png" "file://$abs" 2>"$log" >/dev/null
if grep -E 'CONSOLE|Uncaught' "$log"; then
  echo "console messages while loading $report" >&2
  exit 1
fi
rm -f "$log"
echo "rendered without console messages: ${abs%.html}.png"
