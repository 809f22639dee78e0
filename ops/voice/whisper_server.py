"""A tiny OpenAI-compatible speech-to-text server around faster-whisper, for ops/voice-check.sh.

POST /v1/audio/transcriptions (multipart: file, model, language, response_format, prompt,
temperature) answers like OpenAI: `json` ({"text"}), `verbose_json` (task, language, duration,
text, segments with avg_logprob, compression_ratio, no_speech_prob) or `text`. The `model`
field is accepted and ignored: the server runs the one model it was started with.
GET /health answers 200 once the model is loaded. With WHISPER_API_KEY set, requests need
`Authorization: Bearer <key>`.

Loopback only, one request at a time, standard library HTTP: a check tool, not a production
server (for production use a hosted API or a maintained server such as faster-whisper-server).

    python whisper_server.py --model-dir DIR [--host 127.0.0.1] [--port 0] [--port-file FILE]

With --port 0 the kernel picks a free port, written to --port-file once the model is loaded.
"""

import argparse
import email.parser
import email.policy
import hmac
import io
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from faster_whisper import WhisperModel

MAX_UPLOAD = 25 * 1000 * 1000


def parse_form(content_type, body):
    """Multipart form fields as {name: (filename, content_type, bytes)}."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            fields[name] = (
                part.get_filename(),
                part.get_content_type(),
                part.get_payload(decode=True) or b"",
            )
    return fields


def text_field(fields, name, default=None):
    value = fields.get(name)
    return value[2].decode("utf-8", "replace").strip() if value else default


class Handler(BaseHTTPRequestHandler):
    model = None
    api_key = ""

    def log_message(self, fmt, *args):  # one short line per request, never the transcript
        sys.stderr.write("whisper_server: %s\n" % (fmt % args))

    def send_json(self, status, value):
        body = json.dumps(value, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, message, kind="invalid_request_error"):
        self.send_json(status, {"error": {"message": message, "type": kind, "param": None, "code": None}})

    def do_GET(self):
        if self.path == "/health":
            self.send_json(200, {"status": "ok"})
        else:
            self.error(404, "not found")

    def do_POST(self):
        if self.path.split("?")[0] != "/v1/audio/transcriptions":
            return self.error(404, "not found")
        if self.api_key:
            given = self.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {self.api_key}".encode()):
                return self.error(401, "Incorrect API key provided", "authentication_error")
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_UPLOAD:
            return self.error(413 if length > MAX_UPLOAD else 400, "missing or too large body")
        fields = parse_form(self.headers.get("Content-Type", ""), self.rfile.read(length))
        if "file" not in fields or not fields["file"][2]:
            return self.error(400, "you must provide a file")
        language = text_field(fields, "language") or None
        response_format = text_field(fields, "response_format", "json")
        try:
            segments, info = self.model.transcribe(
                io.BytesIO(fields["file"][2]),
                language=language,
                initial_prompt=text_field(fields, "prompt") or None,
                temperature=float(text_field(fields, "temperature", "0") or 0),
                beam_size=5,
                vad_filter=False,
            )
            segments = list(segments)
        except Exception as exc:  # undecodable audio: OpenAI answers 400 too
            return self.error(400, f"could not decode the audio: {type(exc).__name__}")
        text = "".join(s.text for s in segments).strip()
        if response_format == "text":
            body = text.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return None
        if response_format != "verbose_json":
            return self.send_json(200, {"text": text})
        return self.send_json(200, {
            "task": "transcribe",
            "language": info.language,
            "duration": round(info.duration, 3),
            "text": text,
            "segments": [{
                "id": s.id, "seek": s.seek, "start": s.start, "end": s.end, "text": s.text,
                "tokens": list(s.tokens), "temperature": s.temperature,
                "avg_logprob": s.avg_logprob, "compression_ratio": s.compression_ratio,
                "no_speech_prob": s.no_speech_prob,
            } for s in segments],
        })


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    Handler.model = WhisperModel(args.model_dir, device="cpu", compute_type="int8",
                                 cpu_threads=args.threads, local_files_only=True)
    Handler.api_key = os.environ.get("WHISPER_API_KEY", "")
    server = HTTPServer((args.host, args.port), Handler)
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, args.port_file)
    print(f"whisper_server: listening on http://{args.host}:{port}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
