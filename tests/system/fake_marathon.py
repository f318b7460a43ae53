"""A fake Marathon/stadion HTTP API for the stadionctl system test.

usage: fake_marathon.py PORT ROUTES LOG READY

Listens on 127.0.0.1:PORT. ROUTES is a JSON file: a list of
{"method", "path", "status", "body"} (body: any JSON value; "raw": a text
body instead; no body and no raw: an empty answer). "path" is matched
against the raw request path without its query; a route with "query"
matches only that raw query ("" for none), so that one path may answer
differently with and without ?force=true. The first match wins.
Unmatched requests get 404 {"message": "no canned answer ..."}. Every
request is appended to LOG as one JSON line {"method", "path", "query",
"body"} (body: the request body as text) before it is answered. READY is
created once listening.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlsplit


class Handler(BaseHTTPRequestHandler):
    routes = []
    log_path = ""

    def _serve(self):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        with open(self.log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"method": self.command, "path": url.path,
                                "query": url.query, "body": body,
                                "content_type": self.headers.get("Content-Type", "")}) + "\n")
        for r in self.routes:
            if (r["method"] == self.command and r["path"] == url.path and
                    r.get("query", url.query) == url.query):
                break
        else:
            r = {"status": 404,
                 "body": {"message": "no canned answer for %s %s" % (self.command, url.path)}}
        if "raw" in r:
            data = r["raw"].encode()
            ctype = "text/plain"
        elif "body" in r:
            data = json.dumps(r["body"]).encode()
            ctype = "application/json"
        else:
            data = b""
            ctype = None
        self.send_response(r["status"])
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, fmt, *args):
        sys.stderr.write("fake_marathon: " + (fmt % args) + "\n")


def main():
    port, routes, log, ready = sys.argv[1:5]
    with open(routes, encoding="utf-8") as f:
        Handler.routes = json.load(f)
    Handler.log_path = log
    server = HTTPServer(("127.0.0.1", int(port)), Handler)
    open(ready, "w").close()
    server.serve_forever()


if __name__ == "__main__":
    main()
