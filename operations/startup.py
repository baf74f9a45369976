"""A process's start: the cyclic garbage collector held back while the product's modules load."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def loading() -> Iterator[None]:
    """Loading the product makes hundreds of thousands of objects (classes, models, schemas) that live as long as the
    process and are never garbage: collecting while they are made only walks them again and again, about 0.6 s of a
    command's or a worker's 1.5 s start. Afterwards they are frozen out of the collector's sight, so later full
    collections walk only what the process made since."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
