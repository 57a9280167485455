<?php
/*
 * Plugin Name: healthfeed test: offline
 * Description: The test WordPress never calls out. WP_HTTP_BLOCK_EXTERNAL is
 * checked only after oEmbed and friends have resolved host names, so every
 * HTTP request is refused here, before any lookup. Mail is dropped too.
 */
add_filter('pre_http_request', function ($pre, $args, $url) {
    return new WP_Error('healthfeed_test_offline', 'healthfeed test site is offline: ' . $url);
}, 0, 3);
add_filter('pre_wp_mail', '__return_false', 0);
// No self-pings, no update checks, no cron spawning: nothing that opens a socket.
add_filter('pre_option_ping_sites', '__return_empty_string');
remove_action('init', 'wp_schedule_update_checks');
remove_action('admin_init', '_maybe_update_core');
remove_action('admin_init', '_maybe_update_plugins');
remove_action('admin_init', '_maybe_update_themes');
