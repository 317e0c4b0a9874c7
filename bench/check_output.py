#!/usr/bin/env python3
"""Checks herald's output of a benchmark corpus, so that speed never comes from doing less.

    check_output.py CORPUS OUTPUT [--reported N] [--sample K] [--pagination P]

- The number of HTML pages equals what the corpus calls for, computed here from the content
  files alone (per language: every item, home, 404, tag index, search, the pages of the news
  and meetings lists, one partner list, the pages of every tag list; plus the root 404 and the
  language chooser), and equals the count herald reported (--reported).
- Every content file has its page at /<lang>/<section>/<slug>/index.html.
- On a sample of K item pages (0: all): hreflang alternates to every language's version of the
  item plus x-default (the default language), `<html lang>` is the page's language, and no
  internal link (`@/...`) is left unresolved.

Written for gencorpus.py corpora (every item in every language, no drafts, no aliases, no
future news); exits 1 with the list of failures otherwise.
"""

import argparse
import json
import math
import os
import random
import re
import sys
import unicodedata
from collections import defaultdict

LINK = re.compile(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)"')


def slugify(name):
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def front_matter(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    fm = {}
    if text.startswith("---\n"):
        block = text[4:text.index("\n---\n", 4)]
        for line in block.splitlines():
            key, _, value = line.partition(":")
            fm[key.strip()] = value.strip()
    return fm


def languages(corpus):
    langs, default, inside = [], None, False
    with open(os.path.join(corpus, "site.yaml"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("default_language:"):
                default = line.split(":", 1)[1].strip()
            if line.startswith("languages:"):
                inside = True
                continue
            if inside:
                m = re.match(r"  ([a-z][a-z-]*):", line)
                if m:
                    langs.append(m.group(1))
                elif not line.startswith("  "):
                    inside = False
    return langs, default


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("output")
    ap.add_argument("--reported", type=int)
    ap.add_argument("--sample", type=int, default=300)
    ap.add_argument("--pagination", type=int, default=10)
    args = ap.parse_args()
    langs, default = languages(args.corpus)
    per_page = args.pagination
    pages = lambda n: max(1, math.ceil(n / per_page))
    failures = []

    items = []  # (lang, section, slug, key)
    counts = defaultdict(int)  # (lang, section) -> items
    tags = defaultdict(lambda: defaultdict(int))  # lang -> tag slug -> items
    content = os.path.join(args.corpus, "content")
    for section in sorted(os.listdir(content)):
        for name in sorted(os.listdir(os.path.join(content, section))):
            m = re.fullmatch(r"(.+?)(?:\.([a-z]{2}))?\.md", name)
            if not m:
                continue
            key, lang = m.group(1), m.group(2) or default
            fm = front_matter(os.path.join(content, section, name))
            slug = fm.get("slug") or key
            items.append((lang, section, slug, key))
            counts[(lang, section)] += 1
            for tag in json.loads(fm.get("tags", "[]") or "[]"):
                tags[lang][slugify(tag)] += 1

    expected = 2  # /404.html, /index.html
    for lang in langs:
        expected += sum(counts[(lang, s)] for s in ("news", "meetings", "partners", "pages"))
        expected += 4  # home, 404, tag index, search
        expected += pages(counts[(lang, "news")]) + pages(counts[(lang, "meetings")]) + 1
        expected += sum(pages(n) for n in tags[lang].values())

    html = []
    for dirpath, _, files in os.walk(args.output):
        html += [os.path.join(dirpath, f) for f in files if f.endswith(".html")]
    print(f"check: {len(html)} HTML pages written, {expected} expected from the corpus"
          + (f", {args.reported} reported by herald" if args.reported is not None else ""))
    if len(html) != expected:
        failures.append(f"{len(html)} HTML pages written, {expected} expected")
    if args.reported is not None and args.reported != expected:
        failures.append(f"herald reported {args.reported} pages, {expected} expected")

    url = lambda lang, section, slug: f"/{lang}/{section}/{slug}/"
    missing = [i for i in items
               if not os.path.isfile(os.path.join(args.output, url(*i[:3]).strip("/"), "index.html"))]
    if missing:
        failures.append(f"{len(missing)} items have no page, e.g. {url(*missing[0][:3])}")

    by_key = defaultdict(dict)
    for lang, section, slug, key in items:
        by_key[(section, key)][lang] = slug
    sample = [i for i in items if i not in missing]
    if args.sample and args.sample < len(sample):
        sample = random.Random(42).sample(sample, args.sample)
    bad = 0
    for lang, section, slug, key in sample:
        with open(os.path.join(args.output, url(lang, section, slug).strip("/"), "index.html"),
                  encoding="utf-8") as f:
            text = f.read()
        found = dict(LINK.findall(text))
        want = {l: url(l, section, s) for l, s in by_key[(section, key)].items()}
        want["x-default"] = want.get(default)
        problems = [f"hreflang {l} -> {w}" for l, w in want.items()
                    if not (found.get(l) or "").endswith(w or "\0")]
        if f'<html lang="{lang}"' not in text:
            problems.append(f'<html lang="{lang}">')
        if 'href="@/' in text:
            problems.append("unresolved @/ link")
        if problems:
            bad += 1
            if bad <= 5:
                failures.append(f"{url(lang, section, slug)} lacks: " + ", ".join(problems))
    print(f"check: {len(sample)} item pages sampled: {len(sample) - bad} link to all "
          f"{len(langs)} translations and x-default, with the right lang and no unresolved link")

    if failures:
        for f in failures:
            print("check FAILED: " + f)
        sys.exit(1)
    print("check: OK")


if __name__ == "__main__":
    main()
