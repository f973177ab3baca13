#!/usr/bin/env bash
# The install as a person does it (scripts/install), then digits run from folders outside any clone:
# 1. install into a prefix that holds another program's files; predict, evaluate, the manual and the bash
#    completions from another folder, with no flags; a reinstall; --uninstall leaves the prefix as it was;
# 2. a portable install from a fresh clone that is then deleted: the installed binary still works, and a copy of it
#    with nothing beside it says where it looked for the model and the MNIST files;
# 3. under qemu (scripts/install-install-test-dependencies), the portable binary runs on a baseline x86-64 CPU and
#    the native one refuses an older CPU with one line.
# Usage: Tests/Install/install_test.sh (from anywhere; it builds what it installs).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "install test: $*" >&2; exit 1; }
field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
unset DIGITS_MODEL DIGITS_DATA

mkdir -p "$work/elsewhere"
cp "$repo/Tests/DigitsCoreTests/Fixtures/numbers/2026.png" "$work/elsewhere/"
shipped_correct=$(cd "$repo" && .build/release/digits evaluate --json | field correct)
first_correct=$(cd "$repo" && .build/release/digits evaluate --json --model models/best.model | field correct)

echo "--- 1. install into a prefix with another program's files"
prefix="$work/prefix"
mkdir -p "$prefix/bin" "$prefix/share/man/man1"
echo "another program" > "$prefix/bin/other"
echo "another manual" > "$prefix/share/man/man1/other.1"
listing() { (cd "$1" && find . -print0 | sort -z | xargs -0 ls -ld --time-style=+ | awk '{ print $1, $5, $NF }'); }
before=$(listing "$prefix")
"$repo/scripts/install" --prefix "$prefix"

cd "$work/elsewhere"
line=$("$prefix/bin/digits" predict --json 2026.png)
[ "$(echo "$line" | field number)" = 2026 ] || fail "the installed digits read 2026.png as: $line"
installed="$prefix/share/digits/models"
committee=$(for m in best best-seed2 best-seed3 deep deep-seed2 deep-seed3 mlp; do printf "%s" "${sep:-}$installed/$m.model"; sep=" + "; done)
[ "$(echo "$line" | field model)" = "$committee" ] || fail "predict used other models: $line"
report=$("$prefix/bin/digits" evaluate --json)
[ "$(echo "$report" | field model)" = "$committee" ] || fail "evaluate used other models"
[ "$(echo "$report" | field data)" = "$prefix/share/digits/data/mnist" ] || fail "evaluate used other data"
[ "$(echo "$report" | field correct)" = "$shipped_correct" ] || fail "the installed models read $(echo "$report" | field correct) test digits, the clone's $shipped_correct"
"$prefix/bin/digits" predict --help | tr -s ' \n' ' ' | grep -qF "now $committee" \
    || fail "predict --help does not show the installed models as the default"
echo "installed: predict reads 2026 and evaluate counts $shipped_correct with the installed models and data"

grep -q '^\.Dt DIGITS 1' "$prefix/share/man/man1/digits.1" || fail "no manual page header in digits.1"
grep -q 'DIGITS_MODEL' "$prefix/share/man/man1/digits.1" || fail "the manual does not describe the lookup"
if command -v man > /dev/null; then
    man -l "$prefix/share/man/man1/digits.1" 2>&1 > /dev/null | grep . && fail "man warns of the manual page"
    man -l "$prefix/share/man/man1/digits.1" 2> /dev/null | grep -q "digits predict" || fail "man shows no predict"
fi
# As bash-completion calls it (with extglob on, which the script's patterns need): command, word, previous word.
complete_line() {
    bash -c 'shopt -s extglob; source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        _digits digits "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf "%s\n" "${COMPREPLY[@]}"' _ "$prefix/share/bash-completion/completions/digits" "$@"
}
[ "$(complete_line digits pre)" = predict ] || fail "bash completes 'digits pre' as: $(complete_line digits pre)"
[ "$(complete_line digits predict --mo)" = --model ] || fail "bash completes 'digits predict --mo' as: $(complete_line digits predict --mo)"
echo "installed: the manual page reads without warnings, bash completes 'digits pre' and 'digits predict --mo'"

mkdir -p "$work/taken/bin"
echo "another digits" > "$work/taken/bin/digits"
if "$repo/scripts/install" --prefix "$work/taken" 2> "$work/taken.txt"; then fail "install replaced another program's file"; fi
grep -q "exists and was not installed by this script" "$work/taken.txt" || fail "install said: $(cat "$work/taken.txt")"
[ "$(cat "$work/taken/bin/digits")" = "another digits" ] || fail "install changed another program's file"

"$repo/scripts/install" --prefix "$prefix" > /dev/null
"$repo/scripts/install" --prefix "$prefix" --uninstall
after=$(listing "$prefix")
[ "$before" = "$after" ] || fail "the prefix differs after install, reinstall and uninstall: $(diff <(echo "$before") <(echo "$after"))"
echo "uninstalled: the prefix is as it was, another program's files untouched"

echo "--- 2. a portable install from a fresh clone, the clone then deleted"
git clone -q "$repo" "$work/clone"
portable="$work/portable"
"$work/clone/scripts/install" --portable --prefix "$portable" > "$work/portable.txt"
rm -rf "$work/clone"
line=$("$portable/bin/digits" predict --json 2026.png)
[ "$(echo "$line" | field number)" = 2026 ] || fail "the portable digits read 2026.png as: $line"
mkdir "$work/lone"
cp "$portable/bin/digits" "$work/lone/digits"
if "$work/lone/digits" predict 2026.png 2> "$work/lone.txt"; then fail "a lone copy found a model"; fi
expected="Error: no shipped model: looked for models/best.model, models/best-seed2.model, models/best-seed3.model, models/deep.model, models/deep-seed2.model, models/deep-seed3.model, models/mlp.model in $work/clone; give --model FILE (or set DIGITS_MODEL)"
[ "$(cat "$work/lone.txt")" = "$expected" ] || fail "a lone copy said: $(cat "$work/lone.txt")"
if "$work/lone/digits" evaluate --model "$portable/share/digits/models/best.model" 2> "$work/lone.txt"; then
    fail "a lone copy found MNIST"
fi
grep -q "^Error: no MNIST files (t10k-images-idx3-ubyte\[.gz\], t10k-labels-idx1-ubyte\[.gz\]) in $work/clone/data/mnist; give --data DIR (or set DIGITS_DATA)$" \
    "$work/lone.txt" || fail "a lone copy said: $(cat "$work/lone.txt")"
timeout 5 "$work/lone/digits" serve --port 0 --model "$portable/share/digits/models/best.model" \
    > "$work/serve.txt" 2> "$work/serve-errors.txt" || true
grep -q "^serving .* at http://127.0.0.1:" "$work/serve.txt" || fail "a lone copy did not serve: $(cat "$work/serve-errors.txt")"
grep -q "^warning: no MNIST files .*; serving without the report view$" "$work/serve-errors.txt" \
    || fail "a lone copy served without warning of the report: $(cat "$work/serve-errors.txt")"
DIGITS_MODEL="$portable/share/digits/models/best.model" DIGITS_DATA="$portable/share/digits/data/mnist" \
    "$work/lone/digits" evaluate --json | field correct | grep -qx "$first_correct" || fail "a lone copy with the variables set"
echo "portable: reads 2026 with its clone gone; a lone copy names where it looked: $(cat "$work/lone.txt")"

echo "--- 3. other CPUs, under qemu"
if command -v qemu-x86_64 > /dev/null && [ "$(uname -m)" = x86_64 ]; then
    line=$(qemu-x86_64 -cpu qemu64 "$portable/bin/digits" predict --json 2026.png 2> /dev/null)
    [ "$(echo "$line" | field number)" = 2026 ] || fail "the portable digits on a baseline x86-64 CPU: $line"
    if qemu-x86_64 -cpu Nehalem "$repo/.build/release/digits" predict 2026.png > /dev/null 2> "$work/old.txt"; then
        fail "the native build ran on a Nehalem CPU"
    fi
    message=$(grep -v "^qemu-x86_64: warning" "$work/old.txt")
    case "$message" in
        "Error: this digits was built for a CPU with "*" and this one lacks "*"; build it on this machine (swift build -c release) or install a portable build (scripts/install --portable)") ;;
        *) fail "the native build on a Nehalem CPU said: $message" ;;
    esac
    echo "qemu: the portable build reads 2026 on a baseline x86-64 CPU; the native one on a Nehalem says: $message"
else
    echo "qemu: no qemu-x86_64 (scripts/install-install-test-dependencies installs it); skipped"
fi
echo "install test: passed"
