"""Static file server for the page: right MIME types (.wasm), no caching, localhost only.

Serves only what the page loads: index.html and bench.html, web/ (scripts, styles, the wasm in
web/pkg, the sample data), the shipped models/ and the lessons' data in lessons/. Everything else
in the repo (.git, target, crates, Cargo files, scripts, tests) answers 404, as does any path
with a part that starts with a dot, and a folder (no listings).
"""
import argparse
import functools
import http.server
import os
import urllib.parse

PAGES = {"/", "/index.html", "/bench.html"}
FOLDERS = ("/web/", "/models/", "/lessons/")
# The pages' own policy (their <meta http-equiv="Content-Security-Policy">), sent as a header too:
# a worker (web/worker.js, where the wasm runs) takes its policy from its script's response, not
# from the page's <meta>.
CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'"
)


def allowed(url_path):
    """Whether the page needs the file at `url_path` (the request's path, query and all)."""
    path = urllib.parse.unquote(urllib.parse.urlsplit(url_path).path)
    if path in PAGES:
        return True
    parts = path.split("/")
    # No "..", "." or hidden files: the path names the file it looks like it names.
    if any(p.startswith(".") or "\\" in p for p in parts):
        return False
    return path.startswith(FOLDERS) and not path.endswith("/")


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".jsonl": "application/jsonl; charset=utf-8",
        ".safetensors": "application/octet-stream",
    }

    def send_head(self):
        # GET and HEAD both come through here.
        if not allowed(self.path):
            self.send_error(404, "Not found")
            return None
        return super().send_head()

    def list_directory(self, path):
        self.send_error(404, "Not found")
        return None

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", CSP)
        super().end_headers()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--bind", default="127.0.0.1")
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    handler = functools.partial(Handler, directory=root)
    with http.server.ThreadingHTTPServer((args.bind, args.port), handler) as httpd:
        print(f"[serve] serving the page from {root} at http://localhost:{args.port} (Ctrl-C to stop)", flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
