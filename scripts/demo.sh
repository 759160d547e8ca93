#!/usr/bin/env bash
# The main job on the embedded default: a fresh SQLite file, the seed articles, everything offline.
# Run from the project root after installing (see README). Leaves its work in ./demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf demo && mkdir -p demo
export NEWSDIFF_DB=demo/newsdiff.db
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step newsdiff import seeds/000_aba298a48d93a9a3.txt --url https://www.reuters.com/article/us-mideast-crisis-syria-russia --source reuters
step newsdiff import seeds/001_291a403795b47fa2.txt --url https://www.rt.com/news/341652-lavrov-aleppo-ceasefire/ --source rt
step newsdiff import seeds/002_31c1b58ab70737c4.txt --url https://www.presstv.com/Detail/2016/05/03/463642/Syria-Mistura-Lavrov --source presstv
step newsdiff import seeds/003_2a9cfbafb26fb99c.txt
step newsdiff import seeds/   # the same files again: nothing new is stored
step newsdiff list
step newsdiff log https://www.reuters.com/article/us-mideast-crisis-syria-russia
step newsdiff show https://www.reuters.com/article/us-mideast-crisis-syria-russia --version 1
