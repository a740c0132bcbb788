#!/usr/bin/env bash
# Installs cdk8s-hardened into a fresh cdk8s app the ways a user does, and synthesizes it with
# the real `cdk8s synth`: from the packed tarball, from a folder (`--install-links`), and from
# a git URL (git+file:// of this repository at HEAD), one at a time. The app has its own cdk8s,
# cdk8s-plus-28 and constructs at the oldest versions of the peer ranges (the project builds
# against newer pins), and each install must load exactly one copy of each and write the right
# YAML (scripts/install-test/assert.js). A plain symlinked folder install must be refused with
# the two-copies error. Prints the time of each install. Needs the npm registry, nothing else.
#
# Usage: scripts/install-test.sh            (after `npm ci`; CI runs it from .ci/run)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# The app's own versions: the floors of the peer ranges in package.json (other than the pins).
CDK8S=2.70.0
KPLUS=2.3.17
CONSTRUCTS=10.5.0
node -e '
const p = require("./package.json"), semver = require("semver");
const want = { cdk8s: process.argv[1], "cdk8s-plus-28": process.argv[2], constructs: process.argv[3] };
for (const [name, v] of Object.entries(want)) {
  if (!semver.satisfies(v, p.peerDependencies[name])) throw new Error(`${name} ${v} is outside the peer range ${p.peerDependencies[name]}`);
  if (v === p.devDependencies[name]) throw new Error(`${name} ${v} is the pinned devDependency; the test needs another version`);
}' "$CDK8S" "$KPLUS" "$CONSTRUCTS"

work="$(mktemp -d "${TMPDIR:-/tmp}/cdk8s-hardened-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export DEMO_DB_USER
DEMO_DB_USER="$(sed -n 's/^| `DB_USER` | `\([^`]*\)` |$/\1/p' examples/sealed-values.md)"
npm_flags=(--no-audit --no-fund --loglevel=error)
cdk8s_cli="$root/node_modules/.bin/cdk8s"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# The cdk8s app, with its peers installed once and copied for each install.
base="$work/base"
mkdir -p "$base"
cp scripts/install-test/main.js "$base/"
printf 'language: javascript\napp: node main.js\n' > "$base/cdk8s.yaml"
printf '{ "name": "install-test-app", "version": "1.0.0", "private": true }\n' > "$base/package.json"
t0=$(now)
(cd "$base" && npm install "${npm_flags[@]}" "cdk8s@$CDK8S" "cdk8s-plus-28@$KPLUS" "constructs@$CONSTRUCTS")
echo "install-test: the app's cdk8s $CDK8S, cdk8s-plus-28 $KPLUS, constructs $CONSTRUCTS installed in $(secs "$t0" "$(now)") s"

# The tarball (npm pack runs `prepare`, which compiles lib/).
t0=$(now)
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"
echo "install-test: packed $(basename "$tarball") in $(secs "$t0" "$(now)") s"
if tar -tzf "$tarball" | grep -Eq '^package/(lib/main\.|src/|test/|\.ci/|bench/|scripts/)'; then
  echo "install-test: the tarball ships files a user does not need:" >&2
  tar -tzf "$tarball" | grep -E '^package/(lib/main\.|src/|test/|\.ci/|bench/|scripts/)' >&2
  exit 1
fi
if tar -xOzf "$tarball" --wildcards 'package/lib/*.js' | grep -q 'sourceMappingURL'; then
  echo "install-test: the tarball holds source maps pointing at src/, which it does not ship" >&2
  exit 1
fi

summary=()
# install_and_synth <name> <npm install arguments...>
install_and_synth() {
  local name="$1"; shift
  local dir="$work/$name"
  cp -a "$base" "$dir"
  local t0 t1
  t0=$(now)
  (cd "$dir" && npm install "${npm_flags[@]}" "$@")
  t1=$(now)
  (cd "$dir" && "$cdk8s_cli" synth --no-check-upgrade > synth.log 2>&1) || { cat "$dir/synth.log" >&2; echo "install-test: $name: cdk8s synth failed" >&2; exit 1; }
  node scripts/install-test/assert.js "$dir" "$CDK8S"
  summary+=("$(printf '%-9s %-44s ok, install %s s' "$name" "npm install $*" "$(secs "$t0" "$t1")")")
}

install_and_synth tarball "$tarball"

# A TypeScript app compiles against the shipped declarations (lib/*.d.ts), library checks on.
cat > "$work/tarball/types.ts" <<'TS'
import { App, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { BatchJob, EncryptedConfig, HardenedChart, HealthCheck, SealingCertificate, SecureApp, sealedSecretSerializer } from 'cdk8s-hardened';
const app = new App();
const chart = new HardenedChart(app, 'shop', { namespace: 'shop', disableResourceNameHashes: true });
const db = new EncryptedConfig(chart, 'db', { certificate: SealingCertificate.fromFile('cert.pem'), binaryValues: { 'k.bin': 'AAE=' } });
const web = new SecureApp(chart, 'web', { image: 'a/b:1', healthCheck: HealthCheck.tcp(), config: [db, new kplus.ConfigMap(chart, 'c')] });
new BatchJob(chart, 'job', { image: 'a/b:1', activeDeadline: Duration.minutes(5), egressTo: [] });
export const port: number | undefined = web.port;
export const serializer: { test(value: unknown): boolean } = sealedSecretSerializer;
TS
"$root/node_modules/.bin/tsc" --noEmit --strict --skipLibCheck false --target es2020 --module commonjs --moduleResolution node \
  --types node --typeRoots "$root/node_modules/@types" "$work/tarball/types.ts" \
  || { echo "install-test: the shipped declarations do not compile in a TypeScript app" >&2; exit 1; }
echo "install-test: tarball: a TypeScript app compiles against the shipped lib/*.d.ts"
install_and_synth path --install-links "$root"
install_and_synth git "git+file://$root#$(git rev-parse HEAD)"

# A plain folder install is a symlink: the library would load the folder's own cdk8s. Refused.
dir="$work/symlink"
cp -a "$base" "$dir"
(cd "$dir" && npm install "${npm_flags[@]}" "$root")
if (cd "$dir" && "$cdk8s_cli" synth --no-check-upgrade > synth.log 2>&1); then
  echo "install-test: symlink: synth succeeded although the app loads two copies of cdk8s" >&2
  exit 1
fi
grep -q "Objects of two copies cannot be mixed" "$dir/synth.log" && grep -q -- "--install-links" "$dir/synth.log" \
  || { cat "$dir/synth.log" >&2; echo "install-test: symlink: not the two-copies error" >&2; exit 1; }
echo "install-test: symlink: refused: $(grep -m 1 -o 'the App comes from .* but cdk8s-hardened uses cdk8s at [^ ]*' "$dir/synth.log")"
summary+=("$(printf '%-9s %-44s refused with the two-copies error, as documented' symlink "npm install <path>")")

echo "install-test: summary"
printf '  %s\n' "${summary[@]}"
