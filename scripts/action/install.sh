#!/usr/bin/env bash
# Step 1 of the composite action: find or install the remote-hands binary.
#   - `binary` input: that file, nothing installed;
#   - a release (the `version` input, or the action's own tag: vX.Y.Z, a pre-release
#     vX.Y.Z-rc.1, or the major-version tag vX that moves with each final release): the
#     prebuilt binary for this runner's OS/arch, verified against the release's SHA-256 file
#     (release.yml builds one for every tag of those forms);
#   - otherwise (a branch, a commit, a local `./` checkout, an unsupported platform, or a
#     release without that asset): ask the next steps to build from source.
# Outputs: path (when a binary is ready) or build=true and lock-hash (for the cache key).
set -euo pipefail

out="${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: this script runs inside GitHub Actions}"
action_path="${GITHUB_ACTION_PATH:?}"

if [ -n "${INPUT_BINARY:-}" ]; then
  if [ ! -f "$INPUT_BINARY" ] || [ ! -x "$INPUT_BINARY" ]; then
    echo "::error title=remote-hands::input binary: '$INPUT_BINARY' is not an executable file"
    exit 2
  fi
  version=$("$INPUT_BINARY" --version) || {
    echo "::error title=remote-hands::input binary: '$INPUT_BINARY --version' failed"
    exit 2
  }
  echo "using $version at $INPUT_BINARY"
  echo "path=$INPUT_BINARY" >>"$out"
  exit 0
fi

build() {
  echo "building remote-hands from source ($1)"
  echo "build=true" >>"$out"
  echo "lock-hash=$(sha256sum "$action_path/Cargo.lock" | cut -c1-16)" >>"$out"
  exit 0
}

# The tags release.yml builds: vX, vX.Y.Z and vX.Y.Z-<pre-release> (semver identifiers).
release_tag='^v[0-9]+(\.[0-9]+\.[0-9]+(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?$'
version=${INPUT_VERSION:-}
if [ -z "$version" ] && [[ "${ACTION_REF:-}" =~ $release_tag ]]; then
  version=$ACTION_REF
fi
if [ -n "$version" ] && ! [[ "$version" =~ $release_tag ]]; then
  echo "::error title=remote-hands::input version: '$version' is not a release tag like v1.2.3, v1.2.3-rc.1 or v1"
  exit 2
fi
[ -n "$version" ] || build "no release tag: the action runs from '${ACTION_REF:-a local checkout}'"
# A local action (`uses: ./`) has no repository of its own: it is this repository.
repository=${ACTION_REPOSITORY:-${GITHUB_REPOSITORY:-}}
[ -n "$repository" ] || build "the action's repository is unknown"

case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-gnu ;;
  Linux/ARM64) target=aarch64-unknown-linux-gnu ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  *) build "no prebuilt binary for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?}" ;;
esac

asset="remote-hands-$version-$target.tar.gz"
base="${GITHUB_SERVER_URL:-https://github.com}/$repository/releases/download/$version"
dir=$(mktemp -d "${RUNNER_TEMP:-/tmp}/remote-hands-install.XXXXXX")
fetch() { curl --fail --silent --show-error --location --retry 3 --max-time 120 -o "$2" "$1"; }
if ! fetch "$base/$asset.sha256" "$dir/$asset.sha256" || ! fetch "$base/$asset" "$dir/$asset"; then
  echo "::warning title=remote-hands::no $asset in release $version; building from source"
  build "release asset missing"
fi
expected=$(awk 'NR == 1 { print $1 }' "$dir/$asset.sha256")
if command -v sha256sum >/dev/null; then sum=(sha256sum); else sum=(shasum -a 256); fi
actual=$("${sum[@]}" "$dir/$asset" | awk '{ print $1 }')
if ! [[ "$expected" =~ ^[0-9a-f]{64}$ ]] || [ "$expected" != "$actual" ]; then
  echo "::error title=remote-hands::$asset does not match its published SHA-256 (expected '${expected:0:64}', got '$actual'); refusing to run it"
  exit 1
fi
tar -xzf "$dir/$asset" -C "$dir" remote-hands
chmod +x "$dir/remote-hands"
echo "installed $("$dir/remote-hands" --version) ($asset, sha256 $actual)"
echo "path=$dir/remote-hands" >>"$out"
