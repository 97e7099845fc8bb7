"""Peer of ratios.book_speedup_vs_python_kraken_sdk (issue #16): python-kraken-sdk's v2
order book (kraken.spot.SpotOrderBookClient, depth 10, CRC32 checksum validated on every
update) fed the committed Kraken v2 recording, book updates per second on one core.

Each frame goes the way the SDK's WebSocket client hands it over: json.loads of the text,
then on_message, awaited (the SDK's own path: book update, re-sort and truncate to depth,
checksum). Nothing else runs in the loop. The recording is replayed in laps, each on a
fresh book (as our side builds a fresh pipeline per lap). Two things the SDK would fetch
over the network are given to it instead: the pair decimals it formats prices with (its
REST AssetPairs call, once per pair; taken from the recording's instrument snapshot), and
no connection is opened. A checksum mismatch fails the run (the SDK would resubscribe).
Prints one JSON line.
"""

import asyncio
import json
import sys
import time

import kraken.spot.orderbook as sdk_orderbook
from kraken.spot import SpotOrderBookClient

RECORDING = sys.argv[1]
DURATION_S = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0


async def no_sleep(_seconds: float) -> None:
    return None


class ReplayBook(SpotOrderBookClient):
    async def on_book_update(self, pair: str, message: dict) -> None:
        if "error" in message:
            raise SystemExit(f"python-kraken-sdk: {message['error']}")

    async def remove_book(self, pairs: list[str]) -> None:  # never reached with valid checksums
        raise SystemExit(f"python-kraken-sdk: checksum mismatch on {pairs}")


async def main() -> None:
    sdk_orderbook.asyncio_sleep = no_sleep
    lines = [line for line in open(RECORDING, encoding="utf8").read().split("\n") if line]
    decimals: dict[str, tuple[int, int]] = {}
    frames: list[str] = []
    for line in lines:
        if line.startswith('{"channel":"instrument"'):
            for pair in json.loads(line)["data"]["pairs"]:
                decimals[pair["symbol"]] = (pair["price_precision"], pair["qty_precision"])
        if line.startswith('{"channel":"book"'):
            frames.append(line)
    updates_per_lap = sum(1 for f in frames if '"type":"update"' in f)
    if updates_per_lap == 0:
        raise SystemExit("python-kraken-sdk: the recording has no book updates")

    client = ReplayBook(depth=10)

    def fresh_books() -> None:
        # What the SDK builds at a pair's first frame after its AssetPairs call.
        setattr(
            client,
            "_SpotOrderBookClient__book",
            {
                pair: {"bid": {}, "ask": {}, "valid": True, "price_decimals": p, "qty_decimals": q}
                for pair, (p, q) in decimals.items()
            },
        )

    async def lap() -> None:
        fresh_books()
        for text in frames:
            await client.on_message(json.loads(text))

    for _ in range(3):  # warm-up
        await lap()
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < DURATION_S:
        await lap()
        done += updates_per_lap
    elapsed = time.perf_counter() - started
    import importlib.metadata

    print(
        json.dumps(
            {
                "updates_per_s": done / elapsed,
                "updates": done,
                "updates_per_lap": updates_per_lap,
                "version": importlib.metadata.version("python-kraken-sdk"),
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
