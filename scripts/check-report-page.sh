#!/usr/bin/env bash
# check-report-page.sh — renders a study's report.html in headless Chromium, as a reader's
# browser would, and checks the result: a screenshot is produced, and the page the browser
# built has real tables and inline charts and no Markdown syntax left over.
#   bash scripts/check-report-page.sh LLMSIZER_BINARY [OUT_DIR]
# Exit 0 when the page passes, 1 with the reason otherwise. Needs `chromium` (installed by
# scripts/install-deps.sh).
set -euo pipefail
bin=${1:?usage: $0 LLMSIZER_BINARY [OUT_DIR]}
root=$(cd "$(dirname "$0")/.." && pwd)
out=${2:-$(mktemp -d)}
trap '[[ -z "${2:-}" ]] && rm -rf "$out"' EXIT
browser=$(command -v chromium || command -v chromium-browser || true)
[[ -n "$browser" ]] || { echo "FAIL: chromium is not installed (scripts/install-deps.sh)"; exit 1; }

"$bin" --profiles "$root/profiles" study "$root/profiles/studies/quantization-what-if.yaml" \
  --out "$out/study" >/dev/null
page="file://$out/study/report.html"
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$out/browser")
timeout 120 "$browser" "${flags[@]}" --window-size=1280,2000 --screenshot="$out/report.png" \
  "$page" >/dev/null 2>&1
timeout 120 "$browser" "${flags[@]}" --dump-dom "$page" >"$out/dom.html" 2>/dev/null

fail() { echo "FAIL: $*"; exit 1; }
[[ -s "$out/report.png" ]] || fail "no screenshot was produced"
[[ "$(head -c 8 "$out/report.png" | od -An -tx1 | tr -d ' \n')" == 89504e470d0a1a0a ]] ||
  fail "the screenshot is not a PNG"
(( $(stat -c %s "$out/report.png") > 20000 )) || fail "the screenshot is nearly empty"
grep -q '<table>' "$out/dom.html" || fail "the rendered page has no table"
grep -q '<td class="num">' "$out/dom.html" || fail "no right-aligned number cell"
(( $(grep -c '<svg' "$out/dom.html") >= 3 )) || fail "the charts are not inline"
for md in '<pre' '|---' '## ' '![' '**'; do
  if grep -qF -- "$md" "$out/dom.html"; then fail "raw Markdown or <pre> left in the page: $md"; fi
done
echo "ok: $out/report.png ($(stat -c %s "$out/report.png") bytes), tables and charts rendered"
