vcl 4.1;
# The front cache of 申报门户: anonymous GETs of public pages are served from memory; Wagtail purges a page (and
# the pages that list it) on publish, unpublish and move (wagtail.contrib.frontend_cache + portal/front_cache.py).
# Nothing personal is cached: the admin, the school's pages (/status/, /apply/), the form pages (never_cache) and
# any request carrying a session cookie go to the app servers. @…@ placeholders are filled by deploy/prod-local.

import directors;

backend app_a { .host = "127.0.0.1"; .port = "@APP_A_PORT@"; .connect_timeout = 2s; .first_byte_timeout = 300s; }
backend app_b { .host = "127.0.0.1"; .port = "@APP_B_PORT@"; .connect_timeout = 2s; .first_byte_timeout = 300s; }

acl purgers { "127.0.0.1"; "::1"; }

sub vcl_init {
    new apps = directors.round_robin();
    apps.add_backend(app_a);
    apps.add_backend(app_b);
}

sub vcl_recv {
    set req.backend_hint = apps.backend();
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) { return (synth(405, "Not allowed")); }
        return (purge);
    }
    if (req.method != "GET" && req.method != "HEAD") { return (pass); }
    if (req.url ~ "^/(admin|status|apply|search|django-admin)(/|$|\?)" || req.url ~ "^/documents/") { return (pass); }
    if (req.http.Cookie ~ "(^|;\s*)sessionid=") { return (pass); }
    # Anonymous: the CSRF cookie and any other cookie do not change a public page.
    unset req.http.Cookie;
    return (hash);
}

sub vcl_hash {
    # One site: the host a page was asked for under (127.0.0.1, localhost, the public name) and the host Wagtail
    # purges it under are the same page.
    hash_data(req.url);
    return (lookup);
}

sub vcl_backend_response {
    # Django marks what must not be cached (never_cache: private, no-store); Varnish's built-in rules honour it.
    # Other pages carry no lifetime of their own: keep them an hour, purged on publish.
    if (beresp.status == 200 && !beresp.http.Cache-Control && !beresp.http.Set-Cookie) {
        set beresp.ttl = 1h;
        set beresp.grace = 10s;
    }
}

sub vcl_deliver {
    if (obj.hits > 0) { set resp.http.X-Cache = "HIT"; } else { set resp.http.X-Cache = "MISS"; }
}
