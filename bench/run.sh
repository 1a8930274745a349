#!/usr/bin/env bash
# npm run bench [-- NAME...]: the benchmarks (on demand, never in npm test). Each prints a human
# line with median, baseline and ratio, and one JSON line (for comparing commits).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
npx tsc -p . >/dev/null
export GIT_COMMIT=$(git rev-parse --short HEAD 2>/dev/null || true)
ALL=(snapshotDiff snapshotMany language decorations listPrograms fleetRefresh traceLag activation)
for b in "${@:-${ALL[@]}}"; do
  node "out/bench/$b.js"
done
