<?php
// Router for `php -S`: the web server in front of WordPress.
//
// Every request is logged to requests.log next to this file (method, URI,
// User-Agent, Accept-Encoding), written at once so run.sh can count a sync's
// requests. Real files, and scripts with a path after them
// (/index.php/wp-json/...; php -S sets PATH_INFO itself), are served as they
// are. Every other path goes to WordPress's front controller, as mod_rewrite
// does, when the file `rewrite` exists next to this one; without it the
// server has no URL rewriting, like m365jp.net, and answers 404.
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
$root = rtrim($_SERVER['DOCUMENT_ROOT'], '/');
file_put_contents(__DIR__ . '/requests.log', implode("\t", [
    $_SERVER['REQUEST_METHOD'],
    $_SERVER['REQUEST_URI'],
    $_SERVER['HTTP_USER_AGENT'] ?? '-',
    $_SERVER['HTTP_ACCEPT_ENCODING'] ?? '-',
]) . "\n", FILE_APPEND | LOCK_EX);
if ($path !== '/' && (is_file($root . $path) || preg_match('#\.php/#', $path))) {
    return false;
}
if ($path !== '/' && !file_exists(__DIR__ . '/rewrite')) {
    http_response_code(404);
    header('Content-Type: text/html; charset=iso-8859-1');
    echo "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>404 Not Found</title>\n"
        . "</head><body>\n<h1>Not Found</h1>\n<p>The requested URL was not found on this server.</p>\n</body></html>\n";
    return true;
}
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['PHP_SELF'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $root . '/index.php';
chdir($root);
require $root . '/index.php';
