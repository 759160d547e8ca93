#!/usr/bin/env bash
# The main job on the embedded default: a fresh SQLite file, the seed articles and a local demo outlet,
# everything offline. Run from the project root after installing (see README). Leaves its work in ./demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf demo && mkdir -p demo
export NEWSDIFF_DB=demo/newsdiff.db
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
# Like step, but shows only the first N lines of the output.
step_head() { local n=$1; shift; printf '\n\033[1m$ %s\033[0m   (first %s lines)\n' "$*" "$n"; "$@" > demo/.out; sed -n "1,${n}p" demo/.out; }
REUTERS=https://www.reuters.com/article/us-mideast-crisis-syria-russia

echo "== 1. Seed articles in, read back"
step newsdiff import seeds/000_aba298a48d93a9a3.txt --url "$REUTERS" --source reuters --captured-at 2016-05-03T12:00:00Z
step newsdiff import seeds/001_291a403795b47fa2.txt --url https://www.rt.com/news/341652-lavrov-aleppo-ceasefire/ --source rt
step newsdiff import seeds/002_31c1b58ab70737c4.txt --url https://www.presstv.com/Detail/2016/05/03/463642/Syria-Mistura-Lavrov --source presstv
step_head 14 newsdiff parse seeds/003_2a9cfbafb26fb99c.txt
step newsdiff import seeds/003_2a9cfbafb26fb99c.txt     # a NewsSniffer dump: both versions, under its own URL
step newsdiff import seeds/                             # the same files again: nothing new is stored
step newsdiff list
step_head 12 newsdiff show "$REUTERS" --version 1

echo
echo "== 2. The outlet quietly edits its story: a new version and what changed"
sed -e 's/killing or injuring dozens/killing at least 19 people/' \
    -e 's/"I have a feeling and a hope that we can relaunch this,"/"There is a chance we can relaunch this,"/' \
    -e 's/^(Reporting by/This story has been corrected to show the truce was brokered two months ago.\n\n(Reporting by/' \
    seeds/000_aba298a48d93a9a3.txt > demo/reuters-edited.txt
step newsdiff import demo/reuters-edited.txt --url "$REUTERS" --captured-at 2016-05-03T15:30:00Z
step newsdiff log "$REUTERS"
step newsdiff diff "$REUTERS"
printf '\n\033[1m$ newsdiff diff seeds/000_aba298a48d93a9a3.txt seeds/001_291a403795b47fa2.txt --format json\033[0m   (summary only)\n'
newsdiff diff seeds/000_aba298a48d93a9a3.txt seeds/001_291a403795b47fa2.txt --format json \
  | python3 -c 'import json,sys; r=json.load(sys.stdin); print("two outlets, one event:", r["summary"])'

echo
echo "== 3. Tracking a (local, offline) outlet: feed in, poll, edit, poll again"
read -r OUTLET FEED < <(python3 scripts/demo_outlet.py serve demo/outlet --port 0 --background --exit-with $$) || true
[ -n "${FEED:-}" ] || { echo "demo: the local outlet did not start" >&2; exit 1; }
trap 'kill "$OUTLET" 2>/dev/null || true' EXIT
step newsdiff feeds add "$FEED" --source demo-outlet
step newsdiff poll --json
step python3 scripts/demo_outlet.py edit demo/outlet
step newsdiff poll --now --json
step newsdiff diff "${FEED%/feed.xml}/articles/tunisia-museum-attack.html"
# The page each version was read from is kept byte for byte (the second packed against the first).
printf '\n\033[1m$ newsdiff show %s --version 1 --raw | grep -o "<title>.*</title>"\033[0m\n' "${FEED%/feed.xml}/articles/tunisia-museum-attack.html"
newsdiff show "${FEED%/feed.xml}/articles/tunisia-museum-attack.html" --version 1 --raw | grep -o -m1 "<title>.*</title>"

echo
echo "== 4. Publishing: a feed of edits and static diff pages"
step newsdiff feed --base-url https://newsdiff.example.org --out demo/site-feed.xml
step newsdiff publish demo/site --base-url https://newsdiff.example.org
step ls demo/site
step newsdiff stats
step newsdiff check
echo
echo "Done. The database is demo/newsdiff.db; the static site is in demo/site/ (open demo/site/index.html)."
