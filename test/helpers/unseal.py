"""An independent implementation of the sealed-secrets controller's decryption, written from
bitnami-labs/sealed-secrets pkg/crypto/crypto.go (HybridDecrypt) with Python `cryptography`:
    uint16 big-endian RSA length | RSA-OAEP(SHA-256, MGF1-SHA-256, label)(session key)
    | AES-256-GCM(session key, 12 zero bytes nonce)(plaintext) | 16-byte tag
Reads JSON {"key": PEM, "items": [{"label": str, "value": base64}]} on stdin; prints JSON
[{"ok": bool, "plaintext": base64 | null}]. Test-only; never in the package."""
import base64, json, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

request = json.load(sys.stdin)
key = serialization.load_pem_private_key(request["key"].encode(), password=None)
out = []
for item in request["items"]:
    data = base64.b64decode(item["value"], validate=True)
    n = int.from_bytes(data[:2], "big")
    try:
        session = key.decrypt(data[2:2 + n], padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(),
                                                         label=item["label"].encode() or None))
        plain = AESGCM(session).decrypt(b"\0" * 12, data[2 + n:], None)
        out.append({"ok": True, "plaintext": base64.b64encode(plain).decode()})
    except Exception:
        out.append({"ok": False, "plaintext": None})
print(json.dumps(out))
