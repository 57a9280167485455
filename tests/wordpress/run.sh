#!/usr/bin/env bash
# shellcheck disable=SC2016  # $ in single-quoted PHP code is PHP's, not the shell's
# healthfeed sync against a real WordPress: Debian's wordpress package on
# MariaDB (unix socket only) behind `php -S 127.0.0.1:PORT`. It loads the
# fixtures plus generated seed-shaped posts through WordPress's PHP API, syncs,
# edits and adds posts, syncs again, and checks the archive against the posts
# WordPress serves. See tests/wordpress/README.md.
#
# Needs root (apt-get, /etc/wordpress). Talks to nothing but 127.0.0.1 and,
# when packages are missing, the apt mirrors. Stops exactly the processes it
# started (by their recorded ids) and removes its temp dir, whatever happens.
#
# Environment: HEALTHFEED_BIN (default: build with cargo and use
# target/debug/healthfeed), WP_TEST_KEEP=1 keeps the temp dir for a look.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WP_DIR=/usr/share/wordpress
WP_ETC=/etc/wordpress
CONFIG="$WP_ETC/config-127.0.0.1.php"   # Debian's wp-config.php picks it by the Host header
START=$SECONDS

passed=0
failed=0
PIDS=()            # every process this script started, in start order
TMP=""
CONFIG_BACKUP=""
CONFIG_WRITTEN=0
POLICY_WRITTEN=0

log() { printf '%s\n' "$*"; }
pass() { passed=$((passed + 1)); log "  ok    $*"; }
fail() { failed=$((failed + 1)); log "  FAIL  $*"; }
note() { log "  note  $*"; }
# check NAME EXPECTED ACTUAL
check() {
    if [ "$2" = "$3" ]; then pass "$1 ($3)"; else fail "$1: expected $2, got $3"; fi
}
# finish: stops everything, then prints the closing line; exits 0 only if nothing failed.
finish() {
    cleanup
    trap - EXIT
    log "wordpress: took $((SECONDS - START)) s"
    log "wordpress: $passed passed, $failed failed"
    [ "$failed" -eq 0 ] && exit 0
    exit 1
}
die() {
    fail "$*"
    finish
}

# alive PID: the process exists and is not a zombie (a killed php -S worker stays
# one until its parent goes).
alive() {
    local state
    state=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ]
}
cleanup() {
    local pid i t=$SECONDS
    trap '' PIPE    # output gone (| head): keep cleaning up
    # Newest first: the web server's workers, the web server, then MariaDB.
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        pid=${PIDS[i]}
        alive "$pid" || continue
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 150); do alive "$pid" || break; sleep 0.1; done
        if alive "$pid"; then
            kill -KILL "$pid" 2>/dev/null
            log "wordpress: process $pid did not stop on TERM: killed"
        fi
    done
    [ ${#PIDS[@]} -gt 0 ] && log "wordpress: stopped pids ${PIDS[*]} in $((SECONDS - t)) s"
    PIDS=()
    if [ "$CONFIG_WRITTEN" = 1 ]; then
        rm -f "$CONFIG"
        [ -n "$CONFIG_BACKUP" ] && mv -f "$CONFIG_BACKUP" "$CONFIG"
        CONFIG_WRITTEN=0
    fi
    [ "$POLICY_WRITTEN" = 1 ] && rm -f /usr/sbin/policy-rc.d && POLICY_WRITTEN=0
    if [ -n "$TMP" ] && [ -d "$TMP" ]; then
        if [ "${WP_TEST_KEEP:-0}" = 1 ]; then log "wordpress: kept $TMP"; else rm -rf "$TMP"; fi
    fi
    TMP=""
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

# wait_for SECONDS COMMAND...: polls until COMMAND succeeds; fails after SECONDS.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 0.2
    done
}

log "wordpress: healthfeed sync against a real WordPress"
[ "$(id -u)" = 0 ] || die "needs root (apt-get, $WP_ETC)"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/healthfeed-wordpress.XXXXXX") || die "mktemp failed"
chmod 755 "$TMP"

# --- packages ---------------------------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
need=()
for pkg in wordpress php-cli php-mysql sqlite3 curl; do installed "$pkg" || need+=("$pkg"); done
if ! installed mariadb-server && ! installed mariadb-server-core; then need+=(mariadb-server-core); fi
if [ ${#need[@]} -gt 0 ]; then
    log "wordpress: installing ${need[*]}"
    # wordpress depends on apache2: never let a package start a daemon (port 80) here.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
        POLICY_WRITTEN=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq >"$TMP/apt.log" 2>&1 || die "apt-get update failed: $(tail -3 "$TMP/apt.log")"
    timeout 900 apt-get install -y -qq --no-install-recommends "${need[@]}" >>"$TMP/apt.log" 2>&1 \
        || die "apt-get install ${need[*]} failed: $(tail -3 "$TMP/apt.log")"
    [ "$POLICY_WRITTEN" = 1 ] && rm -f /usr/sbin/policy-rc.d && POLICY_WRITTEN=0
fi
for tool in php mariadb mariadbd mariadb-install-db sqlite3 curl flock; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || die "$tool not found after install"
done
MARIADBD=$(command -v mariadbd || echo /usr/sbin/mariadbd)
[ -f "$WP_DIR/wp-config.php" ] || die "Debian's wordpress is not in $WP_DIR"

# --- healthfeed ----------------------------------------------------------------
if [ -n "${HEALTHFEED_BIN:-}" ]; then
    HF=$HEALTHFEED_BIN
else
    (cd "$ROOT" && cargo build --locked --quiet) || die "cargo build --locked failed"
    HF="$ROOT/target/debug/healthfeed"
fi
[ -x "$HF" ] || die "no healthfeed binary at $HF"

# One test site at a time on this machine: the config file is per host name.
exec 9<"$WP_ETC"
flock -w 600 9 || die "another run holds $WP_ETC"

cp "$HF" "$TMP/healthfeed"    # the tree may be rebuilt while this runs
HF="$TMP/healthfeed"
# healthfeed never sees the developer's home, archive or proxies.
hf() {
    env -u HEALTHFEED_DB -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY \
        HOME="$TMP/home" NO_PROXY=127.0.0.1,localhost timeout 300 "$HF" "$@"
}
mkdir -p "$TMP/home"

# --- MariaDB on a unix socket ----------------------------------------------------
SOCK="$TMP/mysqld.sock"
mariadb-install-db --no-defaults --datadir="$TMP/db" --user=root --auth-root-authentication-method=socket \
    --skip-test-db >"$TMP/mariadb-install.log" 2>&1 || die "mariadb-install-db failed: $(tail -3 "$TMP/mariadb-install.log")"
"$MARIADBD" --no-defaults --user=root --datadir="$TMP/db" --socket="$SOCK" --skip-networking \
    --pid-file="$TMP/mysqld.pid" --log-error="$TMP/mysqld.err" --innodb-buffer-pool-size=64M \
    --skip-log-bin >/dev/null 2>&1 &
PIDS+=($!)
sql() { mariadb --no-defaults --socket="$SOCK" -uroot -N -B "$@"; }
wait_for 60 sql -e 'SELECT 1' || die "MariaDB did not start: $(tail -3 "$TMP/mysqld.err")"
DB_PASS=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
sql -e "CREATE DATABASE wordpress CHARACTER SET utf8mb4;
        CREATE USER 'wordpress'@'localhost' IDENTIFIED BY '$DB_PASS';
        GRANT ALL ON wordpress.* TO 'wordpress'@'localhost';" || die "creating the database failed"
log "wordpress: MariaDB $(sql -e 'SELECT version()') on $SOCK, no TCP"

# --- the site's content dir: offline mu-plugin, a minimal theme ----------------
mkdir -p "$TMP/wp-content/plugins" "$TMP/wp-content/uploads" "$TMP/wp-content/themes"
cp -r "$HERE/site/mu-plugins" "$TMP/wp-content/mu-plugins"
cp -r "$HERE/site/themes/plain" "$TMP/wp-content/themes/plain"
cp "$HERE/site/wp.php" "$HERE/router.php" "$TMP/"
touch "$TMP/requests.log"

# --- the web server: php -S on a free loopback port -----------------------------
free_port() { php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); echo substr(strrchr(stream_socket_get_name($s, false), ":"), 1);'; }
write_config() {
    cat >"$CONFIG" <<EOF
<?php
// Written by healthfeed's tests/wordpress/run.sh (pid $$) for its test site; removed when it ends.
define('DB_NAME', 'wordpress');
define('DB_USER', 'wordpress');
define('DB_PASSWORD', '$DB_PASS');
define('DB_HOST', 'localhost:$SOCK');
define('WP_CONTENT_DIR', '$TMP/wp-content');
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_DEBUG', false);
\$table_prefix = 'wp_';
EOF
}
# A config with our mark is left over from a killed run (a live one would hold the
# lock): it is replaced. Any other is someone's own site: kept and put back at the end.
if [ -e "$CONFIG" ] && ! grep -q "Written by healthfeed's tests/wordpress/run.sh" "$CONFIG"; then
    CONFIG_BACKUP="$TMP/config-127.0.0.1.php.orig"
    cp -p "$CONFIG" "$CONFIG_BACKUP" || die "cannot back up $CONFIG"
fi
CONFIG_WRITTEN=1
write_config || die "cannot write $CONFIG"

# children PID: the processes whose parent is PID.
children() {
    local p
    for p in /proc/[0-9]*; do
        [ "$(cut -d' ' -f4 "$p/stat" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"
    done
}
PORT=""
for _ in 1 2 3 4 5; do
    try=$(free_port)
    # Three workers: healthfeed may have a few requests in flight. Output is gzipped
    # when the client asks, as a production server does.
    PHP_CLI_SERVER_WORKERS=3 php -d zlib.output_compression=On -d display_errors=stderr \
        -S "127.0.0.1:$try" -t "$WP_DIR" "$TMP/router.php" >>"$TMP/php.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    up=0
    wait_for 20 curl -s --noproxy '*' -o /dev/null "http://127.0.0.1:$try/wp-includes/version.php" && up=1
    # The workers outlive their parent: they are recorded (and stopped) one by one.
    for worker in $(children "$pid"); do PIDS+=("$worker"); done
    if [ "$up" = 1 ] && kill -0 "$pid" 2>/dev/null; then PORT=$try; break; fi
done
[ -n "$PORT" ] || die "php -S did not start: $(tail -3 "$TMP/php.log")"
HOST="127.0.0.1:$PORT"
SITE="http://$HOST"
log "wordpress: WordPress $(php -r "include '$WP_DIR/wp-includes/version.php'; echo \$wp_version;") at $SITE (php -S, pids ${PIDS[*]:1})"

wp() { (cd "$TMP" && timeout 300 php -d display_errors=stderr wp.php "$HOST" "$@"); }
# Requests the web server has had so far (router.php logs each one at once).
requests() { wc -l <"$TMP/requests.log"; }
# site_mode plain|index|pretty: the permalink structure, and URL rewriting in
# the web server for plain and pretty. index is m365jp.net: no rewriting, so
# /wp-json/ is a 404 and everything lives under /index.php/.
site_mode() {
    wp permalinks "$1" >/dev/null || die "switching permalinks to $1 failed"
    if [ "$1" = index ]; then rm -f "$TMP/rewrite"; else touch "$TMP/rewrite"; fi
}
# jget FILE PHP-EXPRESSION-ON-$d
jget() { php -r '$d = json_decode(file_get_contents($argv[1]), true); echo '"$2"';' "$1"; }
curl_() { curl -s --noproxy '*' --max-time 60 "$@"; }
q() { sqlite3 -batch -noheader "$@"; }

wp install >"$TMP/install.json" || die "wp_install failed"
t0=$SECONDS
wp load "$ROOT/fixtures" >"$TMP/expect.json" || die "loading posts failed"
PUBLISHED=$(jget "$TMP/expect.json" '$d["published"]')
log "wordpress: loaded $(jget "$TMP/expect.json" '$d["fixtures"]') fixtures and $(jget "$TMP/expect.json" '$d["generated_posts"]') generated posts in $((SECONDS - t0)) s; $PUBLISHED published, $(jget "$TMP/expect.json" '$d["tie_posts"]') share modified_gmt $(jget "$TMP/expect.json" '$d["tie_modified_gmt"]')"

check "WordPress's own HTTP requests are refused before any lookup" healthfeed_test_offline "$(wp offline)"
if command -v ss >/dev/null; then
    pidre=$(IFS='|'; echo "${PIDS[*]}")
    check "the test's processes listen on one loopback port and nothing else (MariaDB: no TCP)" "127.0.0.1:$PORT" \
        "$(ss -Htlnup 2>/dev/null | grep -E "pid=($pidre)," | awk '{print $5}' | sort -u | tr '\n' ' ' | sed 's/ $//')"
fi

# --- what WordPress itself does (the sync relies on these) ------------------------
log "wordpress: the REST API as WordPress serves it"
API="$SITE/index.php/wp-json/wp/v2/posts"
hdr() { curl_ -D - -o "$TMP/body" "$@" | tr -d '\r'; }
header_of() { grep -i "^$1:" | head -1 | sed 's/^[^:]*: *//'; }

h=$(hdr "$API?per_page=1")
check "X-WP-Total is the published post count" "$PUBLISHED" "$(header_of X-WP-Total <<<"$h")"
check "X-WP-TotalPages at per_page=1" "$PUBLISHED" "$(header_of X-WP-TotalPages <<<"$h")"
h=$(hdr "$API?per_page=100&page=2")
note "page 2 of $API: $(grep -iE '^(content-type|link|x-wp-[a-z]*|vary|allow):' <<<"$h" | tr '\n' ';' | sed 's/;$//')"
pages=$(((PUBLISHED + 99) / 100))
code=$(curl_ -o "$TMP/body" -w '%{http_code}' "$API?per_page=100&page=$((pages + 1))")
check "a page past the end is a 400" 400 "$code"
check "... with code rest_post_invalid_page_number" rest_post_invalid_page_number "$(jget "$TMP/body" '$d["code"]')"
code=$(curl_ -o "$TMP/body" -w '%{http_code}' "$API?per_page=101")
check "per_page=101 is a 400 rest_invalid_param" "400 rest_invalid_param" "$code $(jget "$TMP/body" '$d["code"]')"
curl_ -o "$TMP/body" "$API?per_page=2&_fields=id,modified_gmt,content.rendered"
check "_fields keeps only the fields asked for" "content id modified_gmt" \
    "$(jget "$TMP/body" 'implode(" ", (function ($k) { sort($k); return $k; })(array_keys($d[0])))')"
h=$(curl_ -D - -o /dev/null -H 'Accept-Encoding: gzip' "$API?per_page=1" | tr -d '\r')
check "gzip on request (this server compresses like a production one)" gzip "$(header_of Content-Encoding <<<"$h")"

# modified_after: an explicit offset is exact; none means the site's time zone (Asia/Tokyo).
TIE=$(jget "$TMP/expect.json" '$d["tie_modified_gmt"]')
after_tie=$(sql wordpress -e "SELECT count(*) FROM wp_posts WHERE post_type='post' AND post_status='publish' AND post_modified_gmt > '${TIE/T/ }'")
after_tie_jst=$(sql wordpress -e "SELECT count(*) FROM wp_posts WHERE post_type='post' AND post_status='publish' AND post_modified_gmt > '${TIE/T/ }' - INTERVAL 9 HOUR")
h=$(hdr "$API?per_page=1&modified_after=${TIE}%2B00:00")
check "modified_after=…%2B00:00 is strictly after, in UTC" "$after_tie" "$(header_of X-WP-Total <<<"$h")"
h=$(hdr "$API?per_page=1&modified_after=${TIE}Z")
check "modified_after=…Z is the same" "$after_tie" "$(header_of X-WP-Total <<<"$h")"
h=$(hdr "$API?per_page=1&modified_after=${TIE}")
check "modified_after without an offset is read in the site's time zone (JST)" "$after_tie_jst" "$(header_of X-WP-Total <<<"$h")"
code=$(curl_ -o "$TMP/body" -w '%{http_code}' "$API?per_page=1&modified_after=${TIE}+00:00")
note "modified_after=…+00:00 with a literal '+' (a space): HTTP $code $(jget "$TMP/body" '$d["code"] ?? ("X-WP-Total " . count($d))' 2>/dev/null)"

# Ties: page through the shared modified time 10 at a time, as a naive walk would.
seen="$TMP/tie-ids"
: >"$seen"
tie_posts=$(jget "$TMP/expect.json" '$d["tie_posts"]')
tie_before=$(php -r "echo gmdate('Y-m-d\TH:i:s', strtotime('$TIE UTC') - 1);")
tie_after=$(php -r "echo gmdate('Y-m-d\TH:i:s', strtotime('$TIE UTC') + 1);")
for ((p = 1; p <= (tie_posts + 9) / 10; p++)); do
    curl_ -o "$TMP/body" "$API?per_page=10&page=$p&orderby=modified&order=desc&_fields=id&modified_after=${tie_before}%2B00:00&modified_before=${tie_after}%2B00:00"
    jget "$TMP/body" 'implode("\n", array_column($d, "id"))' >>"$seen"
    echo >>"$seen"
done
distinct=$(grep -c . <(sort -u "$seen"))
note "paging $tie_posts posts of one modified time by orderby=modified, 10 a page: $distinct distinct ids came back"

for mode in plain index pretty; do
    site_mode "$mode"
    line="$mode permalinks:"
    for path in '/wp-json/wp/v2/posts?' '/index.php/wp-json/wp/v2/posts?' '/?rest_route=/wp/v2/posts&'; do
        r=$(curl_ -o "$TMP/body" -w '%{http_code} %{content_type} %{redirect_url}' "${SITE}${path}per_page=1")
        line="$line  ${path%[?&]} → ${r% }"
    done
    note "$line"
done
note "home page Link: $(curl_ -D - -o /dev/null "$SITE/" | tr -d '\r' | header_of Link)"
site_mode index

# --- the ground truth: every published post, walked by id with curl ---------------
# truth DIR: saves the pages and imports them into DIR/ref.db with `healthfeed import`.
truth() {
    local dir=$1 page=1 code
    mkdir -p "$dir"
    while :; do
        code=$(curl_ -o "$dir/page-$page.json" -w '%{http_code}' \
            "$SITE/?rest_route=/wp/v2/posts&per_page=100&orderby=id&order=asc&page=$page")
        [ "$code" = 200 ] || break
        [ "$(jget "$dir/page-$page.json" 'count($d)')" -lt 100 ] && break
        page=$((page + 1))
        [ "$page" -gt 50 ] && break
    done
    [ "$code" = 400 ] && rm -f "$dir/page-$page.json"
    php -r '
        $ids = [];
        foreach (array_slice($argv, 1) as $f) foreach (json_decode(file_get_contents($f), true) as $p) $ids[$p["id"]] = 1;
        echo count($ids);' "$dir"/page-*.json >"$dir/count"
    hf --db "$dir/ref.db" import --json "$dir"/page-*.json >"$dir/import.json" 2>"$dir/import.err"
}
truth "$TMP/truth1"
check "curl walk by id finds every published post" "$PUBLISHED" "$(cat "$TMP/truth1/count")"
gen_records=$(jget "$TMP/expect.json" '$d["generated_records"]')
check "healthfeed import of those pages has every generated record" "$gen_records" \
    "$(q "$TMP/truth1/ref.db" "SELECT count(*) FROM records WHERE id GLOB '[A-Z][A-Z]91000[0-9][0-9]'")"

# --- healthfeed sync ----------------------------------------------------------------
if ! hf sync --help >/dev/null 2>&1; then
    note "healthfeed sync is not there yet: sync checks skipped"
    finish
fi
log "wordpress: healthfeed sync"

# same_as DB REF WHAT: the archive equals the reference import in posts, records and updates.
same_as() {
    local db=$1 ref=$2 what=$3 sql_
    for sql_ in \
        "SELECT post_id || ' ' || modified_gmt || ' ' || coalesce(slug, '') FROM posts ORDER BY post_id" \
        "SELECT id || ' ' || kind || ' ' || coalesce(status, '-') || ' ' || last_updated || ' ' || update_count || ' ' || closed || ' ' || title FROM records ORDER BY id" \
        "SELECT record_id || ' ' || last_updated || ' ' || content_hash FROM updates ORDER BY 1" \
        "SELECT post_id || ' ' || not_record || ' ' || reason FROM rejects ORDER BY post_id"; do
        if ! diff <(q "$db" "$sql_") <(q "$ref" "$sql_") >"$TMP/diff" 2>&1; then
            fail "$what: differs from the import of the curl walk in: ${sql_:7:40}…"
            head -5 "$TMP/diff" | sed 's/^/        /'
            return
        fi
    done
    pass "$what: posts, records, updates and rejects equal the import of the curl walk"
}
# sync_run NAME DB ARGS...: times one sync, keeps its output in $TMP/NAME.{out,err}.
sync_run() {
    local name=$1 db=$2 before t
    shift 2
    before=$(requests)
    t=$(date +%s%N)
    hf sync --db "$db" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
    rc=$?
    ms=$((($(date +%s%N) - t) / 1000000))
    reqs=$(($(requests) - before))
    log "  ..    $name: exit $rc, $reqs requests, $ms ms"
    tail -n "$reqs" "$TMP/requests.log" >"$TMP/$name.requests"
    [ "$rc" = 0 ] || sed 's/^/        /' "$TMP/$name.err" | head -5
}
counts() { q "$1" "SELECT (SELECT count(*) FROM posts) || ' ' || (SELECT count(*) FROM raw_posts) || ' ' || (SELECT count(*) FROM records) || ' ' || (SELECT count(*) FROM updates)"; }

DB="$TMP/archive.db"
REF1="$TMP/truth1/ref.db"
sync_run sync-1 "$DB" --source "$SITE" --json
check "first sync (site URL, index.php permalinks) exits 0" 0 "$rc"
if php -r 'exit(json_decode(file_get_contents($argv[1])) === null ? 1 : 0);' "$TMP/sync-1.out"; then
    pass "--json prints one JSON object"
else
    fail "--json output is not JSON: $(head -c 200 "$TMP/sync-1.out")"
fi
check "raw posts = published posts" "$PUBLISHED" "$(q "$DB" 'SELECT count(*) FROM raw_posts')"
check "posts = published posts" "$PUBLISHED" "$(q "$DB" 'SELECT count(*) FROM posts')"
check "generated records all there" "$gen_records" \
    "$(q "$DB" "SELECT count(*) FROM records WHERE id GLOB '[A-Z][A-Z]91000[0-9][0-9]'")"
check "generated updates all there" "$(jget "$TMP/expect.json" '$d["generated_updates"]')" \
    "$(q "$DB" "SELECT count(*) FROM updates WHERE record_id GLOB '[A-Z][A-Z]91000[0-9][0-9]'")"
check "unpublished posts, pages and trash stay out" 0 \
    "$(q "$DB" "SELECT count(*) FROM records WHERE id GLOB '[A-Z][A-Z]91990[0-9][0-9]'")"
check "all $tie_posts posts sharing one modified time are in" "$tie_posts" \
    "$(q "$DB" "SELECT count(*) FROM posts WHERE replace(modified_gmt, 'T', ' ') LIKE '${TIE/T/ }%'")"
same_as "$DB" "$REF1" "first sync"
check "every sync request says User-Agent healthfeed/…" 0 "$(cut -f3 "$TMP/sync-1.requests" | grep -vc '^healthfeed/')"
check "every sync request accepts gzip" 0 "$(cut -f4 "$TMP/sync-1.requests" | grep -vc gzip)"
note "first sync's requests: $(cut -f2 "$TMP/sync-1.requests" | sed 's/&_fields=[^&]*//' | tr '\n' ' ')"
note "discovered posts URL: $(q "$DB" 'SELECT origin || " → " || coalesce(posts_url, "?") || "  mark " || coalesce(cursor, "-") FROM sources')"
before=$(counts "$DB")

# Three edits (new modified time from WordPress) and five new posts.
wp change >"$TMP/change.json" || die "editing posts failed"
sync_run sync-2 "$DB" --source "$SITE" --changes
check "second sync exits 0" 0 "$rc"
read -r posts raw records updates <<<"$before"
check "posts after 5 new" "$((posts + 5))" "$(q "$DB" 'SELECT count(*) FROM posts')"
check "raw posts after 3 edits and 5 new (old versions kept)" "$((raw + 8))" "$(q "$DB" 'SELECT count(*) FROM raw_posts')"
check "records after 5 new" "$((records + 5))" "$(q "$DB" 'SELECT count(*) FROM records')"
# An edited post carries its new update instead of the old one (the archive's rule: the old
# version stays raw), so the three edits add no update and the five new posts add five.
check "updates after 3 edits and 5 new" "$((updates + 5))" "$(q "$DB" 'SELECT count(*) FROM updates')"
for k in 0 1 2; do
    rid=$(jget "$TMP/change.json" "\$d['edits'][$k]['record']")
    want=$(jget "$TMP/change.json" "\$d['edits'][$k]['status'] . ' ' . \$d['edits'][$k]['last_updated']")
    check "edit $rid is the record's current update" "$want" "$(q "$DB" "SELECT status || ' ' || last_updated FROM records WHERE id = '$rid'")"
done
for k in 0 1 2 3 4; do
    rid=$(jget "$TMP/change.json" "\$d['adds'][$k]['record']")
    check "new record $rid stored" "investigating" "$(q "$DB" "SELECT status FROM records WHERE id = '$rid'")"
    if grep -q "$rid" "$TMP/sync-2.out"; then
        pass "--changes names $rid"
    else
        fail "--changes does not name $rid: $(head -c 300 "$TMP/sync-2.out")"
    fi
done
truth "$TMP/truth2"
REF2="$TMP/truth2/ref.db"
same_as "$DB" "$REF2" "incremental sync"

after=$(counts "$DB")
sync_run sync-3 "$DB" --source "$SITE" --json
check "third sync (nothing changed) exits 0" 0 "$rc"
check "third sync adds nothing (posts raw records updates)" "$after" "$(counts "$DB")"
check "third sync costs one HTTP request" 1 "$reqs"
note "no-change sync: $ms ms wall; its summary: $(tr -d '\n ' <"$TMP/sync-3.out" | head -c 300)"

# The same feed from a fresh archive, under each permalink structure and source form.
variant() {
    local mode=$1 name=$2 source=$3 db="$TMP/$2.db"
    site_mode "$mode"
    sync_run "$name" "$db" --source "$source" --quiet
    check "$name: exits 0" 0 "$rc"
    check "$name: --quiet prints nothing" "" "$(cat "$TMP/$name.out")"
    same_as "$db" "$REF2" "$name"
    note "$name: source $(q "$db" 'SELECT origin || " → " || coalesce(posts_url, "-") FROM sources')"
}
variant plain plain-site "$SITE"
variant plain plain-posts-url "$SITE/?rest_route=/wp/v2/posts"
variant pretty pretty-site "$SITE/"
variant pretty pretty-posts-url "$SITE/wp-json/wp/v2/posts"
variant index index-posts-url "$SITE/index.php/wp-json/wp/v2/posts"

# The site switches to plain permalinks under a synced archive: its stored
# /index.php/wp-json/ route now redirects to the HTML home page. Whatever sync
# does (find the route again, or fail), HTML must never be stored as data.
site_mode plain
wp change >/dev/null 2>&1 || true   # fresh edits, so there is something to fetch
raw_before=$(q "$DB" 'SELECT count(*) FROM raw_posts')
sync_run after-permalink-change "$DB" --source "$SITE" --retries 1 --timeout 10
case $rc in
    0) pass "after a permalink change: sync exits 0 (found the route again)"
       truth "$TMP/truth-plain"
       same_as "$DB" "$TMP/truth-plain/ref.db" "after a permalink change" ;;
    4) pass "after a permalink change: sync fails as a fetch failure (exit 4): $(head -c 200 "$TMP/after-permalink-change.err")"
       check "after a permalink change: nothing stored" "$raw_before" "$(q "$DB" 'SELECT count(*) FROM raw_posts')" ;;
    *) fail "after a permalink change: exit $rc: $(head -c 300 "$TMP/after-permalink-change.err")" ;;
esac
# Back to the route the archive knows: the next sync catches up on what it missed.
site_mode index
sync_run after-permalink-restored "$DB" --source "$SITE"
check "permalinks restored: sync exits 0" 0 "$rc"
truth "$TMP/truth3"
same_as "$DB" "$TMP/truth3/ref.db" "permalinks restored"
check "no raw post is HTML" 0 "$(q "$DB" "SELECT count(*) FROM raw_posts WHERE json NOT LIKE '{%'")"

check "nothing in the PHP log is a PHP error" 0 "$(grep -c 'PHP \(Fatal\|Warning\|Parse\)' "$TMP/php.log")"
finish
