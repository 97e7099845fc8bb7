"""Peer of ratios.evaluate_speedup_vs_nautilus (issue #16): NautilusTrader's RiskEngine
pre-trade check, orders per second on one core (one Python thread).

The same order shapes as our side (peers.bench.ts): a cash account, one instrument
(BTC/USD spot), buy orders of 0.01, limit (at the market) and market in turn, a quote in
the cache for the market orders' price. What is timed is RiskEngine.execute(SubmitOrder),
the engine's whole pre-trade path: price and quantity validation, notional limits (max per
order, the instrument's min/max), balance impact against the free cash balance, cumulative
notional, trading state and the submit-rate throttler, then the hand-off to the execution
engine (a no-op endpoint here, as our side stops at the decision). Commands are built
before the clock starts, as our order object is. Prints one JSON line.
"""

import json
import sys
import time
from decimal import Decimal

from nautilus_trader.accounting.factory import AccountFactory
from nautilus_trader.common.component import MessageBus, TestClock
from nautilus_trader.common.factories import OrderFactory
from nautilus_trader.config import RiskEngineConfig
from nautilus_trader.core.uuid import UUID4
from nautilus_trader.execution.messages import SubmitOrder
from nautilus_trader.model.enums import OrderSide
from nautilus_trader.model.identifiers import AccountId, StrategyId, TraderId
from nautilus_trader.model.objects import Price, Quantity
from nautilus_trader.portfolio.portfolio import Portfolio
from nautilus_trader.risk.engine import RiskEngine
from nautilus_trader.test_kit.providers import TestInstrumentProvider
from nautilus_trader.test_kit.stubs.component import TestComponentStubs
from nautilus_trader.test_kit.stubs.data import TestDataStubs
from nautilus_trader.test_kit.stubs.events import TestEventStubs

DURATION_S = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
DISTINCT = 2_000


def main() -> None:
    clock = TestClock()
    trader_id = TraderId("BENCH-001")
    strategy_id = StrategyId("S-001")
    msgbus = MessageBus(trader_id=trader_id, clock=clock)
    cache = TestComponentStubs.cache()
    portfolio = Portfolio(msgbus=msgbus, cache=cache, clock=clock)
    instrument = TestInstrumentProvider.btcusdt_binance()
    cache.add_instrument(instrument)
    venue = instrument.id.venue
    account = AccountFactory.create(
        TestEventStubs.cash_account_state(account_id=AccountId(f"{venue.value}-001"), base_currency=None),
    )
    cache.add_account(account)
    cache.add_quote_tick(
        TestDataStubs.quote_tick(instrument, bid_price=64_999.5, ask_price=65_000.5),
    )
    risk = RiskEngine(
        portfolio=portfolio,
        msgbus=msgbus,
        cache=cache,
        clock=clock,
        config=RiskEngineConfig(
            max_order_submit_rate="100000000/00:00:01",
            max_notional_per_order={str(instrument.id): 5_000_000},
        ),
    )
    sent = [0]

    def exec_engine(_command) -> None:
        sent[0] += 1

    msgbus.register(endpoint="ExecEngine.execute", handler=exec_engine)
    risk.start()

    factory = OrderFactory(trader_id=trader_id, strategy_id=strategy_id, clock=clock)
    quantity = instrument.make_qty(Decimal("0.01"))
    price = instrument.make_price(Decimal("65000"))
    commands = []
    for i in range(DISTINCT):
        if i % 2 == 0:
            order = factory.limit(instrument.id, OrderSide.BUY, quantity, price)
        else:
            order = factory.market(instrument.id, OrderSide.BUY, quantity)
        commands.append(
            SubmitOrder(
                trader_id=trader_id,
                strategy_id=strategy_id,
                order=order,
                command_id=UUID4(),
                ts_init=clock.timestamp_ns(),
            )
        )

    for command in commands:  # warm-up, and every order must pass
        risk.execute(command)
    if sent[0] != DISTINCT:
        raise SystemExit(f"nautilus: only {sent[0]} of {DISTINCT} orders passed the risk engine")

    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < DURATION_S:
        for command in commands:
            risk.execute(command)
        done += DISTINCT
    elapsed = time.perf_counter() - started
    if sent[0] != DISTINCT + done:
        raise SystemExit(f"nautilus: {DISTINCT + done - sent[0]} orders denied in the timed loop")
    import nautilus_trader

    print(
        json.dumps(
            {
                "orders_per_s": done / elapsed,
                "orders": done,
                "version": nautilus_trader.__version__,
                "instrument": str(instrument.id),
            }
        )
    )


if __name__ == "__main__":
    main()
