"""Every payload a workflow hands to Temporal, encrypted: names, addresses, comments, reasons and the
interview record never reach Temporal's history in the clear.

Each payload is sealed whole (its encoding and data) with AES-GCM under the current key; the key's id
travels in the payload's metadata, so any key still in the ring opens it after a rotation. Payloads
without our encoding (histories recorded before encryption, say) pass through unchanged. Failures
carry their message in an encoded attribute, so an error that names a person is sealed as well."""

import os
from collections.abc import Iterable, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec

from config import Settings
from models.recorded import RecordedPayloadConverter

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12


class PayloadKeyMissing(Exception):
    """A payload was sealed with a key that is no longer (or not yet) in the ring."""


class EncryptionCodec(PayloadCodec):
    def __init__(self, ring: Iterable[tuple[str, bytes]]) -> None:
        keys = list(ring)
        if not keys:
            raise ValueError("the payload key ring is empty")
        self.current_key_id = keys[0][0]
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        cipher = self._ciphers[self.current_key_id]
        key_id = self.current_key_id.encode()
        sealed = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            # The key id is bound in as associated data: a payload moved under another id does not open.
            data = nonce + cipher.encrypt(nonce, payload.SerializeToString(), key_id)
            sealed.append(Payload(metadata={"encoding": ENCODING, KEY_ID: key_id}, data=data))
        return sealed

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._open(payload) for payload in payloads]

    def _open(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        key_id = payload.metadata.get(KEY_ID, b"").decode()
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadKeyMissing(
                f"a payload is encrypted with key {key_id!r}, which OFFBOARDING_PAYLOAD_KEYS does not hold; add it back behind the current key"
            )
        try:
            plain = cipher.decrypt(payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:], key_id.encode())
        except InvalidTag:
            raise PayloadKeyMissing(
                f"a payload marked with key {key_id!r} does not open with that key: the key was changed under the same id"
            ) from None
        opened = Payload()
        opened.ParseFromString(plain)
        return opened


def codec_for(settings: Settings) -> EncryptionCodec:
    return EncryptionCodec(settings.payload_key_ring())


def data_converter(settings: Settings) -> DataConverter:
    """The pydantic converter every client, worker and replayer of the product uses, with encryption; payloads
    are read back as recorded (models/recorded.py)."""
    return encrypting_converter(codec_for(settings))


def encrypting_converter(codec: PayloadCodec) -> DataConverter:
    return DataConverter(
        payload_converter_class=RecordedPayloadConverter,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


async def decoded_history(history: WorkflowHistory, codec: PayloadCodec) -> WorkflowHistory:
    """A copy of ``history`` with every payload opened: for support, and to check in histories that replay under any key."""
    events = []
    for event in history.events:
        copy = type(event)()
        copy.CopyFrom(event)
        for payload in _payloads(copy):
            opened = (await codec.decode([payload]))[0]
            payload.CopyFrom(opened)
        events.append(copy)
    return WorkflowHistory(history.workflow_id, events)


def _payloads(message: Message) -> Iterable[Payload]:
    """Every Payload inside a protobuf message, wherever it sits (fields, lists, maps)."""
    if isinstance(message, Payload):
        yield message
        return
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.is_repeated:
            if field.message_type.GetOptions().map_entry:
                items = value.values()
                if field.message_type.fields_by_name["value"].message_type is None:
                    continue
            else:
                items = value
            for item in items:
                yield from _payloads(item)
        else:
            yield from _payloads(value)
