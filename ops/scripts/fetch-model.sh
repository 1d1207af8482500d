#!/usr/bin/env bash
# Downloads a GGUF model file (default: QwQ-32B, Q4_K_M, from Qwen's repository on Hugging Face) with
# curl, resumable, then checks its size and SHA-256 before putting it in place.
#
# NEEDS INTERNET ACCESS to the model hub. This project's CI has none: there the script is only tested
# against a local file:// URL (ops/validate.sh).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: fetch-model.sh [options]

Downloads a GGUF model into a directory, resumably, and verifies it. The file appears under its final
name only after its size and SHA-256 matched; until then it is NAME.partial (a rerun resumes it).

Options:
      --repo OWNER/NAME     Hugging Face repository (default Qwen/QwQ-32B-GGUF)
      --file NAME           file in the repository (default qwq-32b-q4_k_m.gguf, ~20 GB)
      --revision REV        branch, tag or commit (default main; a commit id pins the exact file)
  -o, --output-dir DIR      where to put it (default $MODEL_DIR or /models)
      --url URL             download from this URL instead of the hub (any URL curl reads,
                            file:// included; the file keeps the URL's last segment as its name);
                            then --sha256 is required
      --sha256 HEX          expected SHA-256 (default $MODEL_SHA256; else the hub's own record of the
                            file, its LFS object id, read from the download's response headers)
      --size BYTES          expected size in bytes (default $MODEL_SIZE; else the hub's record)
      --retries N           download attempts, each resuming the last (default 5)
      --force               replace an existing file whose checksum does not match
  -h, --help                this help

Environment: HF_TOKEN (sent as a bearer token, for gated or private repositories),
HF_ENDPOINT (default https://huggingface.co), MODEL_DIR, MODEL_SHA256, MODEL_SIZE.

Trust: with neither --sha256 nor MODEL_SHA256 the script trusts the hub's metadata for the checksum,
which guards against corrupt or truncated downloads but not against a changed repository. Pin a
revision (commit id) and the SHA-256 shown on the file's page of the hub to guard against that too.

Memory: QwQ-32B Q4_K_M needs ~20 GB of disk and the same in page cache per host (see ops/README.md).
Examples:
  fetch-model.sh -o /models
  fetch-model.sh --repo Qwen/QwQ-32B-GGUF --file qwq-32b-q8_0.gguf -o /data/models
  fetch-model.sh --url https://mirror.example/qwq-32b-q4_k_m.gguf --sha256 <hex> --size <bytes> -o /models
EOF
}

die() { echo "fetch-model.sh: $*" >&2; exit 1; }
log() { echo "fetch-model.sh: $*" >&2; }

repo="Qwen/QwQ-32B-GGUF"
file="qwq-32b-q4_k_m.gguf"
revision="main"
out_dir="${MODEL_DIR:-/models}"
url=""
sha="${MODEL_SHA256:-}"
size="${MODEL_SIZE:-}"
retries=5
force=false
endpoint="${HF_ENDPOINT:-https://huggingface.co}"

need_value() {
  if [ $# -lt 2 ] || [ -z "$2" ]; then echo "fetch-model.sh: $1 needs a value (see --help)" >&2; exit 2; fi
}

while [ $# -gt 0 ]; do
  case "$1" in
    --repo) need_value "$@"; repo="$2"; shift 2 ;;
    --file) need_value "$@"; file="$2"; shift 2 ;;
    --revision) need_value "$@"; revision="$2"; shift 2 ;;
    -o|--output-dir) need_value "$@"; out_dir="$2"; shift 2 ;;
    --url) need_value "$@"; url="$2"; shift 2 ;;
    --sha256) need_value "$@"; sha="$2"; shift 2 ;;
    --size) need_value "$@"; size="$2"; shift 2 ;;
    --retries) need_value "$@"; retries="$2"; shift 2 ;;
    --force) force=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "fetch-model.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

command -v curl >/dev/null 2>&1 || die "curl is required"
[[ "$retries" =~ ^[1-9][0-9]*$ ]] || die "--retries must be a positive whole number"
[ -z "$size" ] || [[ "$size" =~ ^[0-9]+$ ]] || die "--size must be a number of bytes, not '$size'"
sha="$(printf '%s' "$sha" | tr 'A-F' 'a-f')"
[ -z "$sha" ] || [[ "$sha" =~ ^[0-9a-f]{64}$ ]] || die "--sha256 must be 64 hex digits"
case "$file" in */*|.*|"") die "--file must be a plain file name, not '$file'" ;; esac

# A `name` from --url: the last path segment.
if [ -n "$url" ]; then
  file="$(basename "${url%%\?*}")"
else
  url="$endpoint/$repo/resolve/$revision/$file"
fi

curl_auth=()
if [ -n "${HF_TOKEN:-}" ]; then
  curl_auth=(-H "Authorization: Bearer $HF_TOKEN")
fi

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}
size_of() { wc -c <"$1" | tr -d ' '; }

# Expected values from the hub: for a file stored with Git LFS, the resolve URL answers with a redirect
# whose X-Linked-Size and X-Linked-Etag headers give the size and the SHA-256 (the LFS object id).
if { [ -z "$sha" ] || [ -z "$size" ]; } && [[ "$url" == "$endpoint/"* ]]; then
  log "reading the file's size and SHA-256 from $endpoint ($repo@$revision)"
  headers="$(curl -sS --max-time 60 -I ${curl_auth[@]+"${curl_auth[@]}"} "$url" | tr -d '\r')" \
    || die "cannot reach $endpoint (this script needs internet access)"
  status="$(printf '%s\n' "$headers" | sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p')"
  case "$status" in
    2*|3*) ;;
    401|403) die "$repo/$file: access denied (HTTP $status); set HF_TOKEN for a gated repository" ;;
    404) die "$repo/$file not found at revision $revision (HTTP 404); check --repo/--file" ;;
    *) die "unexpected HTTP status '$status' for $url" ;;
  esac
  hub_size="$(printf '%s\n' "$headers" | sed -n 's/^[Xx]-[Ll]inked-[Ss]ize: *\([0-9]*\).*/\1/p' | head -n 1)"
  hub_sha="$(printf '%s\n' "$headers" | sed -n 's/^[Xx]-[Ll]inked-[Ee][Tt]ag: *\(W\/\)\{0,1\}"\{0,1\}\([0-9a-fA-F]\{64\}\)"\{0,1\}.*/\2/p' | head -n 1 | tr 'A-F' 'a-f')"
  [ -n "$size" ] || size="$hub_size"
  [ -n "$sha" ] || sha="$hub_sha"
fi
[ -n "$sha" ] || die "no expected SHA-256: pass --sha256 HEX (or MODEL_SHA256); the hub gave none for $url"

mkdir -p "$out_dir"
target="$out_dir/$file"
partial="$target.partial"

verify() { # verify FILE: exit status 0 when size and checksum match
  local f="$1" got
  if [ -n "$size" ]; then
    got="$(size_of "$f")"
    if [ "$got" != "$size" ]; then
      log "$f: size $got bytes, expected $size"
      return 1
    fi
  fi
  log "checking SHA-256 of $f (a 20 GB file takes a minute or two)"
  got="$(sha256_of "$f")"
  if [ "$got" != "$sha" ]; then
    log "$f: SHA-256 $got, expected $sha"
    return 1
  fi
  return 0
}

if [ -f "$target" ]; then
  if verify "$target"; then
    log "$target is already present and verified"
    exit 0
  fi
  $force || die "$target exists but does not match; remove it or rerun with --force"
  rm -f "$target"
fi

if [ -n "$size" ]; then
  have=0
  [ -f "$partial" ] && have="$(size_of "$partial")"
  need=$(( size - have ))
  free_kb="$(df -Pk "$out_dir" | awk 'NR==2 {print $4}')"
  if [ -n "$free_kb" ] && [ "$need" -gt 0 ] && [ $(( free_kb * 1024 )) -lt "$need" ]; then
    die "not enough space in $out_dir: $need bytes still to download, $(( free_kb * 1024 )) free"
  fi
fi

progress=(--no-progress-meter)
if [ -t 2 ]; then
  progress=(--progress-bar)
fi

attempt=1
while :; do
  if [ -n "$size" ] && [ -f "$partial" ] && [ "$(size_of "$partial")" -ge "$size" ]; then
    break # complete (or too long: the check below says so)
  fi
  log "downloading $url -> $partial (attempt $attempt of $retries, resuming where it stopped)"
  if curl -fL "${progress[@]}" --connect-timeout 30 --speed-limit 1024 --speed-time 120 \
      ${curl_auth[@]+"${curl_auth[@]}"} -C - -o "$partial" "$url"; then
    break
  fi
  if [ "$attempt" -ge "$retries" ]; then
    die "download failed after $retries attempts; rerun to resume from $(size_of "$partial" 2>/dev/null || echo 0) bytes"
  fi
  attempt=$(( attempt + 1 ))
  sleep $(( attempt * 5 ))
done

if ! verify "$partial"; then
  mv -f "$partial" "$target.bad"
  die "verification failed; the download was kept as $target.bad for inspection (remove it and rerun)"
fi
mv -f "$partial" "$target"
printf '%s  %s\n' "$sha" "$file" >"$target.sha256"
log "done: $target ($(size_of "$target") bytes, SHA-256 $sha)"
