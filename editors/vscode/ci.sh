#!/usr/bin/env bash
# CI for the VS Code extension: install the locked dependencies, run the grammar tests, build the .vsix
# and check what it holds. Non-interactive; exits non-zero at the first failure.
#
# npm's cache lives in /var/cache/tejun-npm (override with npm_config_cache), so a second run on the
# same machine installs from it without the network.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

started=$SECONDS
step() { echo "== $* ($((SECONDS - started))s)"; }

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "error: \`$tool\` is not installed; install Node.js 20 or later and npm (Debian/Ubuntu: apt-get install -y nodejs npm)" >&2
    exit 1
  fi
done
echo "node $(node --version), npm $(npm --version)"

export npm_config_cache=${npm_config_cache:-/var/cache/tejun-npm}
mkdir -p "$npm_config_cache"
# No prompts, no update check, no audit or funding requests: CI output stays about the build.
export npm_config_yes=true npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false
export CI=true

step "npm ci (cache: $npm_config_cache)"
# No dependency needs an install script (vsce-sign's is for signing, which packaging does not do).
npm ci --prefer-offline --no-progress --ignore-scripts </dev/null

step "grammar tests: the annotated test/grammar/*.runbook, then every runbook and doc example of the repository"
npm test </dev/null

step "package (dist/tejun-0.1.0.vsix)"
rm -f dist/tejun-0.1.0.vsix
npm run package </dev/null
test -s dist/tejun-0.1.0.vsix

step "smoke test of the package"
node test/smoke.js dist/tejun-0.1.0.vsix

step "done: $(du -k dist/tejun-0.1.0.vsix | cut -f1) KB in dist/tejun-0.1.0.vsix"
