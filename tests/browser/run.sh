#!/usr/bin/env bash
# The monthly report in a real browser: Debian's chromium, headless, opens the
# report of the bundled sample (fixtures/feed) and must log nothing to its
# console; each chart must have the bars the sample's truth says
# (fixtures/README.md: 12 service-health records over 5 services, 2 ongoing).
#
# The page carries a Content-Security-Policy of default-src 'none', so a
# script or a fetch in it would be refused, and the refusal is a console line:
# "no console line" covers both. The check is proved first on a page with a
# deliberate error, so a chromium that logs nowhere cannot pass it silently.
#
# Usage: tests/browser/run.sh [--screenshot PATH]   (PATH: a PNG of the page's top)
# Needs root to install chromium; where it cannot be installed the test is
# skipped with a message and exit 0. Environment: HEALTHFEED_BIN (default:
# build with cargo and use target/debug/healthfeed), BROWSER_TEST_KEEP=1
# keeps the temp dir for a look.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
START=$SECONDS
SCREENSHOT=""
while [ $# -gt 0 ]; do
    case "$1" in
        --screenshot) SCREENSHOT=${2:?--screenshot needs a PATH}; shift 2 ;;
        *) echo "usage: $0 [--screenshot PATH]" >&2; exit 2 ;;
    esac
done
case "$SCREENSHOT" in ''|/*) ;; *) SCREENSHOT="$PWD/$SCREENSHOT" ;; esac

passed=0
failed=0
TMP=""
log() { printf '%s\n' "$*"; }
pass() { passed=$((passed + 1)); log "  ok    $*"; }
fail() { failed=$((failed + 1)); log "  FAIL  $*"; }
# check NAME EXPECTED ACTUAL
check() {
    if [ "$2" = "$3" ]; then pass "$1 ($3)"; else fail "$1: expected $2, got $3"; fi
}
cleanup() {
    if [ -n "$TMP" ] && [ -d "$TMP" ]; then
        if [ "${BROWSER_TEST_KEEP:-}" = 1 ]; then log "browser: kept $TMP"; else rm -rf "$TMP"; fi
    fi
}
finish() {
    cleanup
    trap - EXIT
    log "browser: took $((SECONDS - START)) s"
    log "browser: $passed passed, $failed failed"
    [ "$failed" -eq 0 ] && exit 0
    exit 1
}
die() {
    fail "$*"
    finish
}
skip() {
    log "browser: SKIPPED: $*"
    cleanup
    trap - EXIT
    exit 0
}
trap finish EXIT
trap 'die "interrupted"' INT TERM

log "browser: the monthly report in headless Chromium"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/healthfeed-browser.XXXXXX") || die "mktemp failed"

# --- chromium -----------------------------------------------------------------
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    [ "$(id -u)" = 0 ] || skip "chromium is not installed and installing it needs root"
    command -v apt-get >/dev/null || skip "chromium is not installed and there is no apt-get"
    log "browser: installing chromium"
    export DEBIAN_FRONTEND=noninteractive
    if ! timeout 600 apt-get update -qq >"$TMP/apt.log" 2>&1 \
        || ! timeout 900 apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >>"$TMP/apt.log" 2>&1; then
        skip "cannot install chromium: $(tail -2 "$TMP/apt.log" | tr '\n' ' ')"
    fi
    CHROMIUM=$(command -v chromium || true)
    [ -n "$CHROMIUM" ] || skip "chromium is not on PATH after apt-get install"
fi
log "browser: $("$CHROMIUM" --version 2>/dev/null | head -1)"

# chrome URL [extra flags…]: headless, nothing fetched or synced, a fresh profile;
# its log (stderr) goes to $TMP/chrome.log, the result to stdout.
chrome() {
    local url=$1
    shift
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
        --disable-background-networking --disable-component-update --disable-sync \
        --no-first-run --user-data-dir="$(mktemp -d "$TMP/profile.XXXXXX")" \
        --enable-logging=stderr --v=0 "$@" "$url" 2>"$TMP/chrome.log"
}
# The console lines of the last run.
console_lines() { grep -E ':CONSOLE(\(|:)' "$TMP/chrome.log" || true; }

# --- the console check catches an error ----------------------------------------
cat >"$TMP/broken.html" <<'EOF'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>broken on purpose</title></head>
<body><p>A page with an error.</p><script>undefinedFunction();</script></body></html>
EOF
chrome "file://$TMP/broken.html" --dump-dom >"$TMP/broken.dom" || die "chromium failed on the broken page: $(tail -3 "$TMP/chrome.log")"
if console_lines | grep -q 'undefinedFunction'; then
    pass "a deliberately broken page shows up as a console error"
else
    die "the console check sees nothing on a broken page: it would miss real errors"
fi

# --- the report -------------------------------------------------------------------
if [ -n "${HEALTHFEED_BIN:-}" ]; then
    HF=$HEALTHFEED_BIN
else
    (cd "$ROOT" && cargo build --locked --quiet) || die "cargo build --locked failed"
    HF="$ROOT/target/debug/healthfeed"
fi
[ -x "$HF" ] || die "no healthfeed binary at $HF"
DB="$TMP/healthfeed.db"
"$HF" --db "$DB" import "$ROOT/fixtures/feed/m365jp-sample.json" >"$TMP/import.log" 2>&1 \
    || die "import of the sample failed: $(tail -3 "$TMP/import.log")"
HEALTHFEED_NOW=2023-04-10T09:00:00Z "$HF" --db "$DB" report --month 2023-03 -o "$TMP/report.html" 2>"$TMP/report.log" \
    || die "healthfeed report failed: $(tail -3 "$TMP/report.log")"
pass "healthfeed report wrote $(wc -c <"$TMP/report.html") bytes"

chrome "file://$TMP/report.html" --dump-dom >"$TMP/report.dom" || die "chromium failed on the report: $(tail -3 "$TMP/chrome.log")"
lines=$(console_lines)
if [ -z "$lines" ]; then
    pass "no console line while the report renders"
else
    fail "the report logged to the console:"
    printf '%s\n' "$lines" | head -10
fi
grep -q 'Microsoft 365 service health, 2023-03' "$TMP/report.dom" && pass "the rendered page has its title" \
    || fail "the rendered DOM lacks the title"

# Bars per chart, counted in the DOM the browser built: rects in each chart's
# figure filled with the bar colour or the open colour (src/report/charts.rs).
counts=$(python3 - "$TMP/report.dom" <<'EOF'
import sys
from html.parser import HTMLParser

BAR, OPEN = "#2F6DB5", "#D9822B"

class Bars(HTMLParser):
    def __init__(self):
        super().__init__()
        self.figure, self.depth, self.counts = None, 0, {}
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "figure":
            self.figure, self.depth = a.get("id"), 0
        if self.figure and tag == "figure":
            self.depth += 1
        if self.figure and tag == "rect":
            fill = (a.get("fill") or "").upper()
            key = {BAR: "bar", OPEN: "open"}.get(fill)
            if key:
                name = f"{self.figure}.{key}"
                self.counts[name] = self.counts.get(name, 0) + 1
    def handle_endtag(self, tag):
        if tag == "figure" and self.figure:
            self.depth -= 1
            if self.depth == 0:
                self.figure = None

p = Bars()
p.feed(open(sys.argv[1], encoding="utf-8").read())
for name in ["chart-services.bar", "chart-hours.bar", "chart-timeline.bar", "chart-timeline.open"]:
    print(name, p.counts.get(name, 0))
EOF
) || die "cannot count the bars"
count() { printf '%s\n' "$counts" | awk -v k="$1" '$1 == k { print $2 }'; }
check "bars in the records-per-service chart: one per service" 5 "$(count chart-services.bar)"
check "bars in the hours-per-service chart" 5 "$(count chart-hours.bar)"
check "ended records on the timeline" 10 "$(count chart-timeline.bar)"
check "open records on the timeline, in their own colour" 2 "$(count chart-timeline.open)"

# --- a screenshot -----------------------------------------------------------------
if [ -n "$SCREENSHOT" ]; then
    mkdir -p "$(dirname "$SCREENSHOT")"
    chrome "file://$TMP/report.html" --hide-scrollbars --window-size=1000,1900 \
        --screenshot="$SCREENSHOT" >/dev/null || fail "chromium could not take the screenshot"
    if [ -s "$SCREENSHOT" ]; then pass "screenshot written to $SCREENSHOT"; else fail "no screenshot at $SCREENSHOT"; fi
fi

finish
