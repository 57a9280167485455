#!/usr/bin/env python3
"""Writes the committed seed corpora in fuzz/corpus/ from ../fixtures.

Run from anywhere: `python3 fuzz/seed-corpus.py`. Seeds are named `seed-*`;
everything else in corpus/ is what the fuzzer adds, which .gitignore keeps out.
"""
import json
import pathlib

FUZZ = pathlib.Path(__file__).resolve().parent
FIXTURES = FUZZ.parent / "fixtures"

# Small fixtures that between them reach every branch of the parser: both
# kinds, nested tables, a translation row, non-ASCII, and each way to fail.
PICK = [
    "seed-dz534539-servicerestored.json",
    "message-center-nested-table.json",
    "health-machine-translation-row.json",
    "health-japanese-text-raw-utf8.json",
    "health-two-data-tables.json",
    "health-rows-in-another-order.json",
    "health-unparseable-date-13-45-2023.json",
    "header-not-a-record-id.json",
    "site-notice-no-table.json",
    "empty-content.json",
]


def write(target, name, data):
    folder = FUZZ / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"seed-{name}").write_bytes(data if isinstance(data, bytes) else data.encode())


def main():
    posts = []
    for name in PICK:
        text = (FIXTURES / name).read_text(encoding="utf-8")
        post = json.loads(text)
        posts.append(post)
        stem = name.removesuffix(".json")
        write("parse_json", stem + ".json", text)
        content = post.get("content", {}).get("rendered")
        if isinstance(content, str):
            write("post_html", stem + ".html", content)
    # The saved forms PostReader accepts: a page, NDJSON, pages one after another.
    page = json.dumps(posts[:3], ensure_ascii=False)
    write("input_reader", "page.json", page)
    write("input_reader", "ndjson.json", "\n".join(json.dumps(p) for p in posts[3:6]) + "\n")
    write("input_reader", "two-pages.json", "\ufeff" + json.dumps(posts[6:8]) + "\n" + json.dumps(posts[8:]))
    write("input_reader", "scalars.json", '[1, -2.5e3, "x", null, true, {"id": 9}]')
    write("parse_json", "wrong-shapes.json", '{"id":7,"content":{"rendered":42}}')
    # html_repeat: a little-endian u16 count, then `head NUL unit NUL tail`.
    for name, count, text in [
        ("rows", 200, "<table><tbody>\0<tr><th>Feature</th><td><p>x</td></tr>\0</tbody></table>"),
        ("nested-divs", 600, "<div>"),
        ("paragraphs", 2000, "<p>Title: x</p>"),
        ("lists", 300, "<ul><li>a<li>b</ul>"),
    ]:
        write("html_repeat", name, count.to_bytes(2, "little") + text.encode())


if __name__ == "__main__":
    main()
