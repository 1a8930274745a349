#!/usr/bin/env bash
# The lab tier: bring the lab up, run the lab tests, and take the lab down whatever happens.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[ "$(id -u)" = 0 ] || { echo "the lab tier must run as root (it makes network namespaces and sshds)" >&2; exit 1; }
LAB=test/lab/lab.sh
trap 'bash $LAB down' EXIT
trap 'exit 130' INT TERM
bash $LAB down >/dev/null 2>&1   # leftovers of an earlier crashed run
bash $LAB up || exit 1
npx mocha --config .mocharc.lab.json
