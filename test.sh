#!/usr/bin/env bash
# Runs every test of Runa: builds the solution, runs all test projects, and ends with
# one line "N passed, M failed". Needs root for the integration tests (real containers).
set -uo pipefail
cd "$(dirname "$0")"
bash scripts/deps.sh || { echo "installing test dependencies failed"; echo "0 passed, 1 failed"; exit 1; }

results=TestResults
rm -rf "$results"
if ! dotnet build Runa.sln -c Release -nologo -clp:ErrorsOnly; then
  echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi
dotnet test Runa.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
status=$?

passed=0; failed=0; files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  # A test that was discovered but not executed (skipped, or the host crashed) is not a pass.
  failed=$((failed + ${t:-0} - ${e:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "dotnet test exited with $status without a failed test (crashed test host?)"
  failed=1
fi
[ "$files" -gt 0 ] || failed=$((failed + 1))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
