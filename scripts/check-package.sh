#!/usr/bin/env bash
# Checks the package users install: packs the tarball into .run/pack/ from a tree without dist/
# (npm's prepack script builds it, as it will for `npm publish`), runs publint and
# arethetypeswrong on that tarball, asserts it holds nothing but what users need, and runs
# `npm publish --dry-run`, and compares the public API with its checked-in report. Prints the tarball's path on its last line.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source scripts/config.sh
pack_dir="$NUBIUM_RUN_DIR/pack"

# No dist/: the tarball's build must come from `npm pack` itself (prepack), not from a build
# left in the tree.
rm -rf dist "$pack_dir" && mkdir -p "$pack_dir"
tarball="$pack_dir/$(npm pack --silent --pack-destination "$pack_dir" | tail -n 1)"
echo "check-package: packed $(basename "$tarball") ($(du -k "$tarball" | cut -f1) kB)"

# Only dist/, the docs and package.json: no sources, tests, scripts, maps of files not shipped.
unexpected=$(tar -tzf "$tarball" | sed 's|^package/||' \
  | grep -Ev '^(dist/.+\.(js|d\.ts|js\.map|d\.ts\.map)|README\.md|CHANGELOG\.md|LICENSE|package\.json)$' || true)
if [[ -n "$unexpected" ]]; then
  echo "check-package: unexpected files in the tarball:" >&2
  echo "$unexpected" >&2
  exit 1
fi
for required in package.json LICENSE CHANGELOG.md README.md dist/index.js dist/index.d.ts; do
  if ! tar -tzf "$tarball" "package/$required" >/dev/null 2>&1; then
    echo "check-package: $required is missing from the tarball" >&2
    exit 1
  fi
done
echo "check-package: tarball holds only dist/, README.md, CHANGELOG.md, LICENSE, package.json"

npx --no-install publint run --strict "$tarball"
# Default profile "strict": a CommonJS package must resolve with types under node10, node16 from
# CommonJS, node16 from ESM (`import` of a CommonJS package) and bundler resolution alike.
npx --no-install attw --pack "$tarball" --profile strict --format table-flipped --no-color --no-emoji
# The public API of the build against the checked-in report (etc/*.api.md): a change to the
# public surface fails here until `npm run api:update` records it, so it shows in review.
npx --no-install api-extractor run
# What `npm publish` would send (prepack has just built dist/; no second build).
npm publish --dry-run --ignore-scripts 2>&1 | grep -v "://" | tail -n 3
echo "$tarball"
