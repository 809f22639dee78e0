"""Signed WhatsApp webhook bodies for ops/bench/run.sh (scenario `webhooks`).

wrk's Lua cannot compute HMAC-SHA256, so the bodies are made up front: one line per body,
"sha256=<hex HMAC of the body with the app secret><TAB><body>". Each body carries its own
wamid, so no two requests of a run are duplicates (ingest does not dedupe, the worker does;
unique bodies keep the stored data realistic).

Usage: python3 ops/bench/signed_bodies.py OUTPUT COUNT APP_SECRET
"""

import hashlib
import hmac
import json
import sys


def body(i: int) -> bytes:
    message = {
        "from": "5491112345678",
        "id": f"wamid.BENCH{i:012d}",
        "timestamp": "1764000000",
        "type": "text",
        "text": {"body": "Hola! ¿Tienen lugar del 15 al 17 de enero para 4 personas? 🙂"},
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "5492944000000", "phone_number_id": "1"},
        "contacts": [{"profile": {"name": "Martín Pérez"}, "wa_id": "5491112345678"}],
        "messages": [message],
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def main() -> None:
    path, count, secret = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
    with open(path, "w", encoding="utf-8") as out:
        for i in range(count):
            raw = body(i)
            signature = hmac.new(secret, raw, hashlib.sha256).hexdigest()
            out.write(f"sha256={signature}\t{raw.decode()}\n")


if __name__ == "__main__":
    main()
