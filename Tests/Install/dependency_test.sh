#!/usr/bin/env bash
# DigitsCore as another package's versioned dependency, as SwiftPM fetches it: from a tagged git repository into
# .build/checkouts, where SwiftPM refuses unsafe flags such as -target-cpu (Package.swift leaves them out there).
# A small package depends on it by version, builds, and reads a picture of a number with the shipped model.
# Usage: Tests/Install/dependency_test.sh (from anywhere; about a minute, most of it building DigitsCore).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

git clone -q --bare "$repo" "$work/digits.git"
git -C "$work/digits.git" tag 1.0.0 HEAD
mkdir -p "$work/reader/Sources/reader"
cat > "$work/reader/Package.swift" <<SWIFT
// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "reader",
    dependencies: [.package(url: "file://$work/digits.git", from: "1.0.0")],
    targets: [.executableTarget(name: "reader", dependencies: [.product(name: "DigitsCore", package: "digits")])]
)
SWIFT
cat > "$work/reader/Sources/reader/main.swift" <<'SWIFT'
import DigitsCore

let arguments = CommandLine.arguments
let network = try ModelFile.read(from: arguments[1]).network
let picture = try PictureFile.read(from: arguments[2])
let digits = try NumberReading.read(picture, score: network.scorer())
print(digits.map { String($0.digit) }.joined())
SWIFT
(cd "$work/reader" && swift build 2>&1 | tail -1)
number=$("$work/reader/.build/debug/reader" "$repo/models/best.model" "$repo/Tests/DigitsCoreTests/Fixtures/numbers/2026.png")
if [ "$number" != 2026 ]; then
    echo "dependency test: a package using DigitsCore by version read 2026.png as $number" >&2
    exit 1
fi
echo "dependency test: a package using DigitsCore 1.0.0 by version builds and reads 2026.png as $number"
