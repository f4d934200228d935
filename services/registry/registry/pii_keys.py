"""The keys of the national ID numbers' encryption at rest, read from the file ``REGISTRY_PII_KEYS_FILE``.

The file (made by the launcher, or mounted from a secret in Kubernetes)::

    {"active": "k1", "keys": {"k1": "<base64 32 bytes>", ...}, "index_key": "<base64 32 bytes>"}

Rotation: add a key, make it ``active``, restart, then re-encrypt with
``registry.persons.service.reencrypt_id_numbers``; the old key can go once nothing uses it. The index key
cannot rotate this way (every blind index would change); it is kept for the life of the data.
"""

import json
from pathlib import Path

from cekit.pii import PiiCipher, PiiKeyError

_REFUSING = "Refusing to start."


class PiiKeysUnavailable(RuntimeError):
    """The service cannot start: its ID-number keys are missing or unusable. The message says what to do."""


def load_pii_cipher(path: Path | None) -> PiiCipher:
    if path is None:
        raise PiiKeysUnavailable(
            "REGISTRY_PII_KEYS_FILE is not set: the registry needs the keys that encrypt national ID numbers "
            'at rest, a JSON file {"active": "k1", "keys": {"k1": "<base64 32 bytes>"}, "index_key": "<base64 '
            '32 bytes>"} (the launcher creates one). Refusing to start.'
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PiiKeysUnavailable(f"REGISTRY_PII_KEYS_FILE names {path}, which does not exist. {_REFUSING}") from None
    except (OSError, ValueError) as exc:
        raise PiiKeysUnavailable(f"The PII key file {path} cannot be read as JSON ({exc}). {_REFUSING}") from None
    try:
        keys, active, index_key = document["keys"], document["active"], document["index_key"]
        if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
            raise TypeError("keys must map key ids to base64 strings")
        if not isinstance(active, str) or not isinstance(index_key, str):
            raise TypeError("active and index_key must be strings")
        return PiiCipher(keys={str(k): v for k, v in keys.items()}, active=active, index_key=index_key)
    except (KeyError, TypeError, PiiKeyError) as exc:
        # Never the key material in the message: only what is wrong with it.
        raise PiiKeysUnavailable(f"The PII key file {path} is not usable: {exc}. {_REFUSING}") from None
