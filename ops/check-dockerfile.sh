#!/usr/bin/env bash
# ops/check-dockerfile.sh: check the Dockerfile, Procfile and fly.toml as far as a machine
# without a Docker engine can.
#
#   ops/check-dockerfile.sh               cargo build --release the binaries, then check
#   ops/check-dockerfile.sh --skip-build  skip the build when target/release already has them
#   ops/check-dockerfile.sh --bin-dir DIR use the binaries in DIR (e.g. target/debug: same
#                                         commands, no release build), build nothing
#   --root DIR                            check the Dockerfile, Procfile and fly.toml of DIR
#                                         (default: this repository)
#
# Checks:
#   - the stages: chef (pins cargo-chef's version), planner (`cargo chef prepare`), builder
#     (`cargo chef cook` before the sources are copied, so dependencies are a cached layer),
#     runtime (debian slim); when cargo-chef is installed here, `cargo chef prepare` runs on a
#     copy of the workspace and its recipe must name both binaries' packages;
#   - the runtime runs as a non-root USER, has no HEALTHCHECK (Fly's checks do that) and no
#     ENV or ARG that looks like a secret;
#   - every binary the Dockerfile copies out of target/release exists after the release build
#     and runs (`<binary> --help`);
#   - the binaries need no shared library beyond glibc's, which debian:bookworm-slim has;
#   - the Dockerfile's CMD, every Procfile command and fly.toml's release_command and
#     [processes] name one of those binaries, with a subcommand its --help lists;
#   - every port fly.toml uses is EXPOSEd; the builder's Rust is at least the workspace's
#     rust-version; builder and runtime images are the same Debian release; .dockerignore
#     keeps target/ out of the build context.
# What it cannot check: that the image builds and starts. That needs `docker build` on a
# machine with an engine (or `fly deploy`, which builds remotely).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$REPO"
RELEASE_DIR="${CARGO_TARGET_DIR:-$REPO/target}/release"

failures=0
ok() { printf 'ok    %s\n' "$*"; }
fail() {
  printf 'FAIL  %s\n' "$*"
  failures=$((failures + 1))
}
usage() {
  echo "usage: ops/check-dockerfile.sh [--skip-build | --bin-dir DIR] [--root DIR]" >&2
  exit 2
}

skip_build=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --skip-build) skip_build=1 ;;
    --bin-dir)
      [[ $# -ge 2 ]] || usage
      RELEASE_DIR="$(cd "$2" && pwd)" skip_build=always
      shift
      ;;
    --root)
      [[ $# -ge 2 ]] || usage
      ROOT="$(cd "$2" && pwd)"
      shift
      ;;
    -h | --help)
      sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p;}' "${BASH_SOURCE[0]}"
      exit 0
      ;;
    *) usage ;;
  esac
  shift
done
cd "$ROOT"

# --- what the Dockerfile says -----------------------------------------------------------------

# Binaries copied from the builder: "source-name installed-name" per line, from lines like
#   COPY --from=builder /app/target/release/api /usr/local/bin/api
copies="$(awk '
  toupper($1) == "COPY" && $2 ~ /^--from=/ {
    dest = $NF
    for (i = 3; i < NF; i++) {
      if ($i !~ /target\/release\//) continue
      n = split($i, parts, "/"); src = parts[n]
      if (dest ~ /\/$/) { name = src } else { m = split(dest, d, "/"); name = d[m] }
      print src, name
    }
  }' Dockerfile)"
[[ -n "$copies" ]] || fail "the Dockerfile copies nothing from target/release"
binaries="$(printf '%s\n' "$copies" | awk '{ print $1 }')"
installed="$(printf '%s\n' "$copies" | awk '{ print $2 }')"

# --- stages, user, health check, secrets --------------------------------------------------

# "stage<TAB>instruction line" for every instruction, continuation lines joined.
instructions="$(awk '
  { line = line $0 }
  /\\$/ { sub(/\\$/, " ", line); next }
  line ~ /^[[:space:]]*(#|$)/ { line = ""; next }
  {
    n = split(line, w, /[[:space:]]+/)
    if (toupper(w[1]) == "FROM") {
      stage = w[2]
      for (i = 1; i < n; i++) if (toupper(w[i]) == "AS") stage = w[i + 1]
    }
    print stage "\t" line; line = ""
  }' Dockerfile)"
in_stage() { awk -F'\t' -v s="$1" '$1 == s { print $2 }' <<<"$instructions"; }
for stage in chef planner builder runtime; do
  if [[ -n "$(in_stage "$stage")" ]]; then ok "Dockerfile has a '$stage' stage"; else fail "Dockerfile has no '$stage' stage"; fi
done
if grep -Eq 'cargo install cargo-chef .*--locked.*--version [0-9]' <<<"$(in_stage chef)"; then
  ok "chef: cargo-chef installed --locked at a pinned --version"
else
  fail "chef: install cargo-chef with --locked --version X (a pinned tool)"
fi
if grep -q 'cargo chef prepare --recipe-path recipe.json' <<<"$(in_stage planner)"; then
  ok "planner: cargo chef prepare"
else
  fail "planner: no 'cargo chef prepare --recipe-path recipe.json'"
fi
cook_line="$(grep -n 'cargo chef cook' <<<"$(in_stage builder)" | head -n 1 | cut -d: -f1 || true)"
copy_line="$(grep -nE '^COPY +\. +\.' <<<"$(in_stage builder)" | head -n 1 | cut -d: -f1 || true)"
if [[ -n "$cook_line" && -n "$copy_line" ]] && ((cook_line < copy_line)); then
  ok "builder: cargo chef cook before COPY . . (dependencies in their own layer)"
else
  fail "builder: 'cargo chef cook' must come before 'COPY . .'"
fi
runtime_user="$(in_stage runtime | sed -nE 's/^USER[[:space:]]+([^[:space:]]+).*/\1/p' | tail -n 1)"
case "${runtime_user%%:*}" in
  "" | root | 0) fail "runtime: runs as root (add USER with a non-root user)" ;;
  *) ok "runtime: USER $runtime_user (not root)" ;;
esac
if grep -Eqi '^[[:space:]]*HEALTHCHECK' Dockerfile; then
  fail "Dockerfile has a HEALTHCHECK: Fly's checks in fly.toml do that"
else
  ok "no HEALTHCHECK (fly.toml's checks)"
fi
secretish="$(grep -Ei '^[[:space:]]*(ENV|ARG)[[:space:]].*(SECRET|TOKEN|PASSWORD|API_KEY|DATABASE_URL|REDIS_URL)' Dockerfile || true)"
if [[ -z "$secretish" ]]; then ok "no ENV or ARG that looks like a secret"; else fail "secret-looking ENV/ARG: $secretish"; fi
if command -v cargo-chef >/dev/null 2>&1; then
  chef_dir="$(mktemp -d)"
  # A copy: cargo chef prepare only reads, but it is not meant to run in a working tree.
  tar -C "$REPO" --exclude=./target --exclude=./.git --exclude=./.dev -cf - . | tar -C "$chef_dir" -xf -
  if (cd "$chef_dir" && cargo chef prepare --recipe-path recipe.json >/dev/null 2>&1) &&
    grep -q '"api/Cargo.toml"' "$chef_dir/recipe.json" && grep -q '"worker/Cargo.toml"' "$chef_dir/recipe.json"; then
    ok "cargo chef prepare writes a recipe with api and worker ($(wc -c <"$chef_dir/recipe.json") bytes)"
  else
    fail "cargo chef prepare failed or its recipe lacks api/worker"
  fi
  rm -rf "$chef_dir"
else
  echo "skip  cargo chef prepare (cargo-chef is not installed here)"
fi

# --- build (or reuse) the release binaries ----------------------------------------------------

all_present=1
for bin in $binaries; do [[ -x "$RELEASE_DIR/$bin" ]] || all_present=""; done
if [[ "$skip_build" == always || (-n "$skip_build" && -n "$all_present") ]]; then
  echo "using the binaries already in $RELEASE_DIR"
else
  packages=()
  for bin in $binaries; do packages+=(-p "$bin"); done
  echo "building: cargo build --release --locked ${packages[*]}"
  cargo build --release --locked --manifest-path "$REPO/Cargo.toml" "${packages[@]}"
fi

# --- the binaries -----------------------------------------------------------------------------

# Libraries debian:bookworm-slim provides without installing anything (glibc and libgcc).
base_libs=" libc.so.6 libm.so.6 libgcc_s.so.1 libpthread.so.0 libdl.so.2 librt.so.1 libutil.so.1 ld-linux-x86-64.so.2 ld-linux-aarch64.so.1 "

help_text() { "$RELEASE_DIR/$1" --help 2>&1; }

for bin in $binaries; do
  path="$RELEASE_DIR/$bin"
  if [[ ! -x "$path" ]]; then
    fail "$path is missing after the release build"
    continue
  fi
  ok "$path exists ($(du -h "$path" | cut -f1))"
  if help_text "$bin" >/dev/null; then
    ok "$bin --help runs"
  else
    fail "$bin --help failed: $(help_text "$bin" | tail -n 1)"
  fi
  if command -v readelf >/dev/null 2>&1; then
    extra=""
    for lib in $(readelf -d "$path" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
      [[ "$base_libs" == *" $lib "* ]] || extra+=" $lib"
    done
    if [[ -z "$extra" ]]; then
      ok "$bin links only glibc/libgcc (present in debian:bookworm-slim)"
    else
      fail "$bin needs shared libraries the runtime image lacks:$extra (apt-get install them there)"
    fi
  fi
done

# --- commands in Dockerfile, Procfile and fly.toml -------------------------------------------

# Checks that "binary [subcommand ...]" names an installed binary, and that a subcommand, if
# given, is listed by that binary's --help.
check_command() {
  local where="$1" cmd="$2" bin sub
  bin="${cmd%% *}"
  sub=""
  [[ "$cmd" == *" "* ]] && sub="${cmd#* }" && sub="${sub%% *}"
  # Here-strings, not pipes: grep -q exits at the first match, and the writer's SIGPIPE
  # would fail the pipeline under pipefail now and then.
  if ! grep -qx -- "$bin" <<<"$installed"; then
    fail "$where: '$cmd' runs '$bin', which the image does not install (it has: $(echo "$installed" | tr '\n' ' '))"
    return
  fi
  if [[ -n "$sub" && "$sub" != -* ]]; then
    local src
    src="$(printf '%s\n' "$copies" | awk -v n="$bin" '$2 == n { print $1; exit }')"
    if ! grep -Eq "^[[:space:]]+$sub([[:space:]]|$)" <<<"$(help_text "$src")"; then
      fail "$where: '$cmd': '$bin --help' lists no subcommand '$sub'"
      return
    fi
  fi
  ok "$where: '$cmd'"
}

# CMD ["api", "serve"] -> "api serve"
cmd_line="$(grep -E '^CMD ' Dockerfile | tail -n 1 | sed -E 's/^CMD[[:space:]]*//')"
if [[ "$cmd_line" == \[* ]]; then
  cmd_line="$(printf '%s' "$cmd_line" | tr -d '[]"' | sed -E 's/,[[:space:]]*/ /g')"
fi
if [[ -n "$cmd_line" ]]; then check_command "Dockerfile CMD" "$cmd_line"; else fail "Dockerfile has no CMD"; fi

if [[ -f Procfile ]]; then
  while IFS= read -r line; do
    [[ "$line" =~ ^([A-Za-z0-9_-]+):[[:space:]]*(.+)$ ]] || continue
    check_command "Procfile ${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
  done <Procfile
else
  fail "Procfile is missing"
fi

# fly.toml: release_command and every entry of [processes] (simple `key = "value"` lines).
fly_commands="$(awk '
  /^[[:space:]]*\[/ { section = $1 }
  /^[[:space:]]*release_command[[:space:]]*=/ || (section == "[processes]" && /=/) {
    key = $1; value = $0
    sub(/^[^=]*=[[:space:]]*"/, "", value); sub(/".*$/, "", value)
    print key "\t" value
  }' fly.toml)"
[[ -n "$fly_commands" ]] || fail "fly.toml has no release_command and no [processes]"
while IFS=$'\t' read -r key value; do
  [[ -n "$key" ]] && check_command "fly.toml $key" "$value"
done <<<"$fly_commands"

# --- ports, versions, build context ----------------------------------------------------------

exposed=" $(grep -E '^EXPOSE ' Dockerfile | sed -E 's/^EXPOSE//; s#/tcp##g' | tr -s ' \n' ' ') "
fly_ports="$(sed -nE 's/^[[:space:]]*(internal_port|port)[[:space:]]*=[[:space:]]*([0-9]+).*/\2/p' fly.toml | sort -u)"
for port in $fly_ports; do
  if [[ "$exposed" == *" $port "* ]]; then
    ok "fly.toml port $port is EXPOSEd"
  else
    fail "fly.toml uses port $port but the Dockerfile EXPOSEs only:$exposed"
  fi
done

builder="$(sed -nE 's/^FROM[[:space:]]+rust:([0-9.]+)-([a-z]+).*/\1 \2/p' Dockerfile | head -n 1)"
runtime_release="$(sed -nE 's/^FROM[[:space:]]+debian:([a-z]+).*/\1/p' Dockerfile | tail -n 1)"
rust_version="$(sed -nE 's/^rust-version[[:space:]]*=[[:space:]]*"([0-9.]+)".*/\1/p' Cargo.toml | head -n 1)"
if [[ -n "$builder" ]]; then
  builder_rust="${builder% *}" builder_release="${builder#* }"
  lowest="$(printf '%s\n%s\n' "$builder_rust" "${rust_version:-0}" | sort -V | head -n 1)"
  if [[ -z "$rust_version" || "$lowest" == "$rust_version" ]]; then
    ok "builder Rust $builder_rust >= workspace rust-version ${rust_version:-(unset)}"
  else
    fail "builder Rust $builder_rust is older than the workspace's rust-version $rust_version"
  fi
  if [[ "$builder_release" == "${runtime_release%-slim}" ]]; then
    ok "builder and runtime are both Debian $builder_release"
  else
    fail "builder is Debian $builder_release but runtime is ${runtime_release:-unknown}: glibc may differ"
  fi
else
  fail "no 'FROM rust:<version>-<debian release>' builder stage found"
fi

if grep -qxE '/?target/?' .dockerignore 2>/dev/null; then
  ok ".dockerignore keeps target/ out of the build context"
else
  fail ".dockerignore does not exclude target/"
fi

echo
if ((failures > 0)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed (the image itself still needs a real 'docker build' or 'fly deploy')"
