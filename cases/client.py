"""The Temporal client every process uses: same namespace, same data converter (pydantic, payloads encrypted)."""

from temporalio.client import Client

from config import Settings
from privacy.codec import data_converter


async def connect(settings: Settings) -> Client:
    return await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace, data_converter=data_converter(settings))
