<?php
/*
 * The test site's own PHP side, run with php-cli inside WordPress:
 *
 *   php wp.php HOST install
 *   php wp.php HOST permalinks plain|index|pretty
 *   php wp.php HOST load FIXTURE_DIR     (prints the expectations as JSON)
 *   php wp.php HOST change               (3 edits, 5 new posts; prints them as JSON)
 *   php wp.php HOST published            (published post count)
 *   php wp.php HOST offline              (what an outbound HTTP request gets)
 *
 * HOST is what the HTTP server answers as (127.0.0.1:PORT): Debian's
 * wp-config.php picks /etc/wordpress/config-<host>.php from it. Posts go in
 * through WordPress's own API (wp_insert_post), with the HTML filters off so
 * the tables survive, and modified times are then set directly, since
 * wp_insert_post always stamps "now". Everything is deterministic: the same
 * run loads the same posts.
 */

if (PHP_SAPI !== 'cli' || $argc < 3) {
    fwrite(STDERR, "usage: php wp.php HOST install|permalinks MODE|load DIR|change|published\n");
    exit(2);
}
$host = $argv[1];
$command = $argv[2];
$_SERVER['HTTP_HOST'] = $host;
$_SERVER['SERVER_NAME'] = preg_replace('/:.*/', '', $host);
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
if ($command === 'install') {
    define('WP_INSTALLING', true);
}
require '/usr/share/wordpress/wp-load.php';

/** Generated records: GEN_RECORDS ids with GEN_POSTS posts between them. */
const GEN_POSTS = 320;
const GEN_RECORDS = 90;
/** The first TIE_POSTS generated posts all carry this modified time (UTC). */
const TIE_POSTS = 200;
const TIE_GMT = '2024-03-01 00:00:00';
/** Record numbers: generated 9100000+, added by `change` 9100900+, never published 9199000+. */
const GEN_BASE = 9100000;
const ADD_BASE = 9100900;
const HIDDEN_BASE = 9199000;

const SERVICES = [
    ['EX', 'Exchange Online'],
    ['SP', 'SharePoint Online'],
    ['TM', 'Microsoft Teams'],
    ['DZ', 'Microsoft 365 Defender'],
    ['MO', 'Microsoft 365 suite'],
    ['OD', 'OneDrive for Business'],
];
const STATUSES = [
    'investigating', 'serviceDegradation', 'restoringService',
    'extendedRecovery', 'serviceRestored', 'postIncidentReviewPublished',
];
const CLOSED = ['serviceRestored', 'postIncidentReviewPublished'];

function fail(string $message): void
{
    fwrite(STDERR, "wp.php: $message\n");
    exit(1);
}

function out($value): void
{
    echo json_encode($value, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), "\n";
}

/** 'Y-m-d H:i:s' UTC plus seconds. */
function gmt_plus(string $gmt, int $seconds): string
{
    return gmdate('Y-m-d H:i:s', strtotime($gmt . ' UTC') + $seconds);
}

/** The table's time format: MM/DD/YYYY HH:MM:SS (UTC). */
function table_time(string $gmt): string
{
    return gmdate('m/d/Y H:i:s', strtotime($gmt . ' UTC'));
}

/**
 * A post shaped like the seed (m365jp.net's postie layout): table#section with
 * "ID | Service | Title", table#data with the rows, and the malformed Latest
 * Message cell (no opening <p>, "</p>\n<p>  " between paragraphs).
 */
function record_post(string $id, string $service, string $title, string $status, string $class,
                     string $last_updated, string $start, ?string $end, array $paragraphs): array
{
    $header = "$id | $service | $title";
    $rows = [
        ['Status', '<td class="bad">' . $status],
        ['Classification', '<td>' . $class],
        ['User Impact', '<td>' . $title . '.'],
        ['Last Updated', '<td>' . table_time($last_updated)],
        ['Start Time', '<td>' . table_time($start)],
        ['End Time', '<td>' . ($end === null ? '' : table_time($end))],
        ['Latest Message', '<td>' . implode("</p>\n<p>  ", $paragraphs)],
    ];
    $html = "<div class=\"postie-post\">\n<div>\n<hr>\n<table id=\"section\">\n<tbody>\n<tr>\n"
        . "<th width=\"95%\">$header</th>\n</tr>\n</tbody>\n</table>\n<hr>\n<table id=\"data\">\n<tbody>\n";
    foreach ($rows as [$name, $cell]) {
        $html .= "<tr>\n<th>$name</th>\n$cell</td>\n</tr>\n";
    }
    $html .= "</tbody>\n</table></div>\n</div>\n";
    return [
        'post_title' => "[$status] $header",
        'post_content' => $html,
        'post_name' => sanitize_title("$status-$id-$service-$title"),
    ];
}

/** Generated post number $i: which record, which update, what it says, when. */
function generated(int $i): array
{
    $r = $i % GEN_RECORDS;
    $u = intdiv($i, GEN_RECORDS);
    [$prefix, $service] = SERVICES[$r % count(SERVICES)];
    $id = $prefix . (GEN_BASE + $r);
    $start = gmt_plus('2024-01-10 00:00:00', $r * 7 * 3600);
    $last = gmt_plus($start, ($u + 1) * 35 * 60 + $r);
    $status = STATUSES[min($u + $r % 3, count(STATUSES) - 1)];
    $end = in_array($status, CLOSED, true) ? gmt_plus($start, ($u + 1) * 30 * 60) : null;
    $class = $r % 3 === 0 ? 'advisory' : 'incident';
    $title = "Users may be unable to use feature $r of $service";
    $paragraphs = [
        "Title: $title",
        "User impact: $title.",
        "More info: update " . ($u + 1) . " of generated record $id; status $status.",
        'Current status: We’re reviewing service telemetry to isolate the cause of the impact.',
        'Scope of impact: Some users served through the affected infrastructure.',
        'Next update by: ' . gmdate('l, F j, Y, \a\t g:i A', strtotime($last . ' UTC') + 3600) . ' UTC',
    ];
    $date = gmt_plus($last, 20 * 60);
    if ($i < TIE_POSTS) {
        $modified = TIE_GMT;                                  // re-saved together
    } elseif ($i < 260) {
        $modified = gmt_plus($date, 10);                      // before the tie
    } else {
        $modified = gmt_plus(TIE_GMT, $i - 259);              // seconds after the tie
    }
    return [
        'post' => record_post($id, $service, $title, $status, $class, $last, $start, $end, $paragraphs),
        'record' => $id, 'last_updated' => $last, 'status' => $status,
        'date_gmt' => $date, 'modified_gmt' => $modified,
    ];
}

/** Inserts a post through WordPress and then fixes its modified time, which wp_insert_post stamps "now". */
function insert(array $post, string $date_gmt, ?string $modified_gmt, string $status = 'publish',
                string $type = 'post', int $import_id = 0): int
{
    $args = $post + [
        'post_status' => $status,
        'post_type' => $type,
        'post_author' => 1,
        'post_date' => get_date_from_gmt($date_gmt),
        'post_date_gmt' => $date_gmt,
        'comment_status' => 'closed',
    ];
    if ($import_id > 0) {
        $args['import_id'] = $import_id;
    }
    // wp_insert_post expects slashed input (it unslashes).
    $id = wp_insert_post(wp_slash($args), true);
    if (is_wp_error($id)) {
        fail('wp_insert_post: ' . $id->get_error_message() . ' (' . $post['post_title'] . ')');
    }
    if ($modified_gmt !== null) {
        set_modified($id, $modified_gmt);
    }
    return $id;
}

function set_modified(int $id, string $modified_gmt): void
{
    global $wpdb;
    $wpdb->update($wpdb->posts, [
        'post_modified' => get_date_from_gmt($modified_gmt),
        'post_modified_gmt' => $modified_gmt,
    ], ['ID' => $id]);
    clean_post_cache($id);
}

function published(): int
{
    global $wpdb;
    return (int) $wpdb->get_var("SELECT count(*) FROM $wpdb->posts WHERE post_type = 'post' AND post_status = 'publish'");
}

function permalinks(string $mode): void
{
    $structures = [
        'plain' => '',
        // m365jp.net: no URL rewriting, so permalinks (and the REST API) live under /index.php/.
        'index' => '/index.php/%year%-%monthnum%-%day%-%postname%',
        'pretty' => '/%year%/%monthnum%/%postname%/',
    ];
    if (!isset($structures[$mode])) {
        fail("unknown permalink mode $mode");
    }
    global $wp_rewrite;
    $wp_rewrite->set_permalink_structure($structures[$mode]);
    $wp_rewrite->flush_rules(false);   // the rules live in the options table; no .htaccess
}

// The HTML filters (kses) would strip the tables' attributes: keep the HTML as posted.
kses_remove_filters();
wp_defer_term_counting(true);

switch ($command) {
    case 'install':
        require_once ABSPATH . 'wp-admin/includes/upgrade.php';
        if (is_blog_installed()) {
            fail('already installed');
        }
        $result = wp_install('healthfeed test site', 'admin', 'admin@example.invalid', false, '',
            wp_generate_password(24));
        update_option('siteurl', 'http://' . $host);
        update_option('home', 'http://' . $host);
        // m365jp.net's clock: `date` in Japan time, so a date without offset means JST to WordPress.
        update_option('timezone_string', 'Asia/Tokyo');
        update_option('gmt_offset', '');
        update_option('default_pingback_flag', 0);
        update_option('default_ping_status', 'closed');
        update_option('default_comment_status', 'closed');
        update_option('blog_public', 0);
        switch_theme('plain');
        permalinks('index');
        out(['installed' => $result['url']]);
        break;

    case 'permalinks':
        permalinks($argv[3] ?? '');
        out(['permalink_structure' => get_option('permalink_structure')]);
        break;

    case 'load':
        $dir = $argv[3] ?? fail('load needs the fixtures directory');
        $fixtures = glob(rtrim($dir, '/') . '/*.json');
        if (!$fixtures) {
            fail("no fixtures in $dir");
        }
        foreach ($fixtures as $file) {
            $p = json_decode(file_get_contents($file), true);
            if (!is_array($p) || !isset($p['content']['rendered'])) {
                fail("$file is not a REST post object");
            }
            $gmt = fn($t) => str_replace('T', ' ', $t);
            insert([
                'post_title' => $p['title']['rendered'],
                'post_content' => $p['content']['rendered'],
                'post_name' => rawurldecode($p['slug']),
            ], $gmt($p['date_gmt']), $gmt($p['modified_gmt']), 'publish', 'post', (int) $p['id']);
        }
        $records = [];
        $updates = [];
        for ($i = 0; $i < GEN_POSTS; $i++) {
            $g = generated($i);
            $id = insert($g['post'], $g['date_gmt'], $g['modified_gmt']);
            update_post_meta($id, '_healthfeed_generated', $i);
            $records[$g['record']] = true;
            $updates[$g['record'] . ' ' . $g['last_updated']] = true;
        }
        // Posts the REST API must not show: never published, scheduled, trashed, or a page.
        $hidden = [];
        foreach (['draft', 'draft', 'private', 'private', 'pending', 'future', 'trash', 'page'] as $k => $what) {
            $rid = 'EX' . (HIDDEN_BASE + $k);
            $post = record_post($rid, 'Exchange Online', "Hidden post $k ($what)", 'investigating',
                'incident', '2024-02-01 00:00:00', '2024-02-01 00:00:00', null, ["Title: hidden $what"]);
            $date = $what === 'future' ? '2099-01-01 00:00:00' : '2024-02-01 01:00:00';
            $status = in_array($what, ['trash', 'page'], true) ? 'publish' : $what;
            $id = insert($post, $date, null, $status, $what === 'page' ? 'page' : 'post');
            if ($what === 'trash') {
                wp_trash_post($id);
            }
            $hidden[] = $rid;
        }
        global $wpdb;
        out([
            'fixtures' => count($fixtures),
            'generated_posts' => GEN_POSTS,
            'generated_records' => count($records),
            'generated_updates' => count($updates),
            'tie_modified_gmt' => str_replace(' ', 'T', TIE_GMT),
            'tie_posts' => (int) $wpdb->get_var($wpdb->prepare(
                "SELECT count(*) FROM $wpdb->posts WHERE post_type = 'post' AND post_status = 'publish' AND post_modified_gmt = %s",
                TIE_GMT)),
            'hidden_records' => $hidden,
            'published' => published(),
        ]);
        break;

    case 'change':
        // Edit three posts of the tie group (a new update of their record: later
        // Last Updated, closed), through wp_update_post, so WordPress stamps a
        // new modified time as it does for a real edit; then publish five new records.
        global $wpdb;
        $edits = [];
        foreach ([7, 101, 188] as $n => $i) {
            $post_id = (int) $wpdb->get_var($wpdb->prepare(
                "SELECT post_id FROM $wpdb->postmeta WHERE meta_key = '_healthfeed_generated' AND meta_value = %d", $i));
            $g = generated($i);
            $r = $i % GEN_RECORDS;
            [, $service] = SERVICES[$r % count(SERVICES)];
            $last = gmt_plus('2025-06-01 10:00:00', $n * 60);
            $title = "Users may be unable to use feature $r of $service";
            $post = record_post($g['record'], $service, $title, 'serviceRestored', 'incident', $last,
                '2024-01-10 00:00:00', $last, ["Title: $title", "Final status: edited update of {$g['record']}."]);
            $result = wp_update_post(wp_slash(['ID' => $post_id] + $post), true);
            if (is_wp_error($result)) {
                fail('wp_update_post: ' . $result->get_error_message());
            }
            $edits[] = [
                'post_id' => $post_id, 'record' => $g['record'], 'status' => 'serviceRestored',
                'last_updated' => str_replace(' ', 'T', $last) . 'Z',
                'modified_gmt' => get_post_field('post_modified_gmt', $post_id),
            ];
        }
        $adds = [];
        for ($k = 0; $k < 5; $k++) {
            $rid = 'TM' . (ADD_BASE + $k);
            $last = gmt_plus('2025-06-02 08:00:00', $k * 60);
            $post = record_post($rid, 'Microsoft Teams', "New issue $k in Microsoft Teams", 'investigating',
                'incident', $last, $last, null, ["Title: New issue $k in Microsoft Teams"]);
            $post_id = insert($post, gmdate('Y-m-d H:i:s'), null);
            $adds[] = ['post_id' => $post_id, 'record' => $rid, 'status' => 'investigating',
                'last_updated' => str_replace(' ', 'T', $last) . 'Z'];
        }
        out(['edits' => $edits, 'adds' => $adds, 'published' => published()]);
        break;

    case 'offline':
        // The mu-plugin answers every outbound request before WordPress resolves
        // anything: this asks for a host name and must get its error back.
        $r = wp_remote_get('http://example.invalid/');
        echo is_wp_error($r) ? $r->get_error_code() : 'request went out', "\n";
        break;

    case 'published':
        echo published(), "\n";
        break;

    default:
        fail("unknown command $command");
}
