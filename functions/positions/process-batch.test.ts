import type { KinesisStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { Fill } from '../../shared/domain/positions/positions.js';
import { createExecutionsHandler, type PositionsSummary } from './process-batch.js';
import { memoryPorts, reservationOf } from './test-support/memory-ports.js';
import { orderLife } from './test-support/order-events.js';

const HOUR = 3_600_000;
const RETENTION = 48 * HOUR;
const NOW = Date.parse('2026-03-02T10:05:00Z');

const fill = (id: string, account = 'acct-1'): Fill => ({
  fill_id: id,
  account_id: account,
  symbol: 'BTC/USD',
  side: 'buy',
  qty: '1',
  price: '100',
  fee: '0.1',
  executed_at: '2026-03-02T10:00:00Z',
});

function kinesisEvent(payloads: unknown[]): KinesisStreamEvent {
  return {
    Records: payloads.map((payload, i) => ({
      eventSource: 'aws:kinesis',
      eventSourceARN: 'arn:aws:kinesis:eu-west-1:000000000000:stream/executions',
      eventID: `shardId-000000000000:${i}`,
      eventName: 'aws:kinesis:record',
      eventVersion: '1.0',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/positions',
      awsRegion: 'eu-west-1',
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: 'acct-1',
        sequenceNumber: String(1000 + i),
        approximateArrivalTimestamp: 1_772_445_600,
        data: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)).toString('base64'),
      },
    })),
  };
}

/** A consumer over fresh in-memory ports, with a clock the test moves. */
function consumer() {
  const ports = memoryPorts();
  const clock = { now: NOW };
  const summaries: PositionsSummary[] = [];
  const handle = createExecutionsHandler(ports, { nowMs: () => clock.now, retentionMs: RETENTION }, (s) =>
    summaries.push(s),
  );
  const remaining = (krakenOrderId: string) => {
    const order = ports.book.ordersOf.get('acct-1')?.get(krakenOrderId);
    if (!order) return undefined;
    const ceiling = order.closedAtMs === null ? order.orderQty : order.cumQty;
    return ceiling.sub(order.filledQty).toString();
  };
  return { ports, clock, summaries, handle, remaining };
}

describe('Function: createExecutionsHandler', () => {
  describe('legacy fills', () => {
    it('applies fills in order, counts duplicates and mirrors every touched account once', async () => {
      // Prepare
      const { ports, summaries, handle } = consumer();

      // Act
      const response = await handle(kinesisEvent([fill('f1'), fill('f2', 'acct-2'), fill('f1')]));

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(ports.positions.applied.map((f) => f.fill_id)).toEqual(['f1', 'f2']);
      expect(summaries[0]).toMatchObject({ applied: 2, duplicates: 1, poison: 0 });
      expect(ports.positions.mirrored).toEqual([['acct-1', 'acct-2']]);
    });

    it('parks malformed records with their reason and position, and applies the rest', async () => {
      // Prepare
      const { ports, handle } = consumer();
      const life = orderLife('acct-1', 'ord-1', 'O-1', { qty: '1', price: '100' });

      // Act
      const response = await handle(
        kinesisEvent([
          fill('f1'),
          'not json',
          { ...fill('f2'), qty: 1 },
          { ...fill('f3'), qty: '1e3' },
          { ...life.acknowledged(), order_qty: '-1e3' },
          fill('f4'),
        ]),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(ports.positions.applied.map((f) => f.fill_id)).toEqual(['f1', 'f4']);
      expect(ports.poison.parked.map((p) => [p.source, p.sequenceNumber, p.reason.split(':')[0]])).toEqual([
        ['positions', '1001', 'not JSON'],
        ['positions', '1002', 'not a fill'],
        ['positions', '1003', 'not a fill'],
        ['positions', '1004', 'not an order event'],
      ]);
      expect(ports.orders.orders.size).toBe(0);
    });

    it('fails every record after the first failure, so the retry replays them in order', async () => {
      // Prepare
      const { ports, handle } = consumer();
      ports.positions.failOn = 'f2';

      // Act
      const response = await handle(kinesisEvent([fill('f1'), fill('f2'), fill('f3')]));

      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: '1001' }, { itemIdentifier: '1002' }]);
      expect(ports.positions.applied.map((f) => f.fill_id)).toEqual(['f1']);
      expect(ports.positions.mirrored).toEqual([['acct-1']]);
    });
  });

  describe('order events', () => {
    it('hands a reservation to the working order, moves each trade into the position once, and leaves nothing working when filled', async () => {
      // Prepare
      const { ports, summaries, handle, remaining } = consumer();
      ports.book.reserve(reservationOf('acct-1', 'ord-1', { qty: '2' }));
      const life = orderLife('acct-1', 'ord-1', 'O-1', { qty: '2', price: '100' });

      // Act
      await handle(kinesisEvent([life.acknowledged()]));
      const afterAck = { reservations: ports.book.reservationsOf.get('acct-1')?.size, remaining: remaining('O-1') };
      await handle(kinesisEvent([life.trade('T1', '0.5', '0.5')]));
      const afterTrade = { remaining: remaining('O-1'), position: ports.positions.qty('acct-1', 'BTC/USD') };
      await handle(kinesisEvent([life.trade('T2', '1.5', '2'), life.filled('2')]));

      // Assess
      expect(afterAck).toEqual({ reservations: 0, remaining: '2' });
      expect(afterTrade).toEqual({ remaining: '1.5', position: '0.5' });
      expect(remaining('O-1')).toBe('0');
      expect(ports.positions.qty('acct-1', 'BTC/USD')).toBe('2');
      expect(ports.orders.releases.map((r) => [r.reservation.orderId, r.outcome, r.krakenOrderId])).toEqual([
        ['ord-1', 'acknowledged', 'O-1'],
      ]);
      expect(summaries.map((s) => [s.acknowledged, s.applied, s.unreserved])).toEqual([
        [1, 0, 0],
        [0, 1, 0],
        [0, 1, 0],
      ]);
    });

    it('moves a trade into the position once when it is delivered twice, and not again in the filled event that merges it', async () => {
      // Prepare
      const { ports, summaries, handle, remaining } = consumer();
      ports.book.reserve(reservationOf('acct-1', 'ord-1'));
      const life = orderLife('acct-1', 'ord-1', 'O-1', { qty: '1', price: '100' });
      const trade = life.trade('T1', '1', '1');

      // Act
      await handle(kinesisEvent([life.acknowledged(), trade, trade, life.filledWithTrade('T1', '1', '1')]));

      // Assess
      expect(ports.positions.applied.map((f) => f.fill_id)).toEqual(['T1']);
      expect(ports.positions.qty('acct-1', 'BTC/USD')).toBe('1');
      expect(remaining('O-1')).toBe('0');
      expect(summaries[0]).toMatchObject({ applied: 1, duplicates: 1, orderEvents: 3, orderEventsDuplicate: 1 });
    });

    it.each([
      ['canceled', (life: ReturnType<typeof orderLife>) => life.canceled('0.4')],
      ['expired', (life: ReturnType<typeof orderLife>) => life.expired('0.4')],
    ])('releases exactly the unfilled remainder when Kraken reports the order %s', async (_type, terminal) => {
      // Prepare
      const { ports, summaries, handle, remaining } = consumer();
      ports.book.reserve(reservationOf('acct-1', 'ord-1', { qty: '1' }));
      const life = orderLife('acct-1', 'ord-1', 'O-1', { qty: '1', price: '100' });
      await handle(kinesisEvent([life.acknowledged(), life.trade('T1', '0.4', '0.4')]));
      const before = remaining('O-1');

      // Act
      await handle(kinesisEvent([terminal(life)]));

      // Assess
      expect(before).toBe('0.6');
      expect(remaining('O-1')).toBe('0');
      expect(ports.book.ordersOf.get('acct-1')?.get('O-1')?.closedAtMs).toBe(NOW);
      expect(ports.positions.qty('acct-1', 'BTC/USD')).toBe('0.4');
      expect(summaries[1]).toMatchObject({ released: 1 });
    });

    it('releases the reservation of an order Kraken rejected, leaving nothing pending or working', async () => {
      // Prepare
      const { ports, summaries, handle, remaining } = consumer();
      ports.book.reserve(reservationOf('acct-1', 'ord-1', { qty: '3' }));
      const life = orderLife('acct-1', 'ord-1', 'O-1', { qty: '3', price: '100' });

      // Act
      await handle(kinesisEvent([life.rejected()]));

      // Assess
      expect(ports.book.reservationsOf.get('acct-1')?.size).toBe(0);
      expect(remaining('O-1')).toBe('0');
      expect(summaries[0]).toMatchObject({ released: 1, acknowledged: 1, unreserved: 0 });
    });

    it('still counts a trade that arrives after its order was canceled, once', async () => {
      // Prepare
      const { ports, handle, remaining } = consumer();
      const life = orderLife('acct-1', 'ord-1', 'O-1', { qty: '1', price: '100' });
      ports.book.reserve(reservationOf('acct-1', 'ord-1'));
      const late = life.trade('T1', '0.3', '0.3');
      await handle(kinesisEvent([life.acknowledged(), life.canceled('0.3')]));
      const inFlight = remaining('O-1');

      // Act
      await handle(kinesisEvent([late, late]));

      // Assess
      expect(inFlight).toBe('0.3');
      expect(remaining('O-1')).toBe('0');
      expect(ports.positions.qty('acct-1', 'BTC/USD')).toBe('0.3');
    });

    it('releases the amend reservation when Kraken reports the amend, and tracks the new quantity', async () => {
      // Prepare
      const { ports, handle, remaining } = consumer();
      ports.book.reserve(reservationOf('acct-1', 'ord-1', { qty: '1' }));
      const life = orderLife('acct-1', 'ord-1', 'O-1', { qty: '1', price: '100' });
      await handle(kinesisEvent([life.acknowledged()]));
      ports.book.reserve(reservationOf('acct-1', 'ord-1#amend', { qty: '2' }));

      // Act
      await handle(kinesisEvent([life.amended('3', '0')]));

      // Assess
      expect(ports.book.reservationsOf.get('acct-1')?.size).toBe(0);
      expect(remaining('O-1')).toBe('3');
    });

    it('tracks and counts an order with no reservation behind it', async () => {
      // Prepare
      const { summaries, handle, remaining } = consumer();
      const unvetted = orderLife('acct-1', null, 'O-9', { qty: '5', price: '100' });
      const unknown = orderLife('acct-1', 'never-validated', 'O-8', { qty: '1', price: '100' });

      // Act
      await handle(kinesisEvent([unvetted.acknowledged(), unknown.acknowledged()]));

      // Assess
      expect([remaining('O-9'), remaining('O-8')]).toEqual(['5', '1']);
      expect(summaries[0]).toMatchObject({ unreserved: 2, acknowledged: 0 });
    });
  });

  describe('reservation expiry', () => {
    it('expires a reservation nobody acknowledged, audits it once, and leaves newer ones alone', async () => {
      // Prepare
      const { ports, summaries, handle, clock } = consumer();
      ports.book.reserve(reservationOf('acct-1', 'ord-old', { expiresAtMs: NOW + 30_000 }));
      ports.book.reserve(reservationOf('acct-1', 'ord-new', { expiresAtMs: NOW + 90_000 }));
      clock.now = NOW + 30_000;

      // Act
      await handle(kinesisEvent([fill('f1')]));
      await handle(kinesisEvent([fill('f1')]));

      // Assess
      expect([...(ports.book.reservationsOf.get('acct-1')?.keys() ?? [])]).toEqual(['ord-new']);
      expect(ports.orders.releases.map((r) => [r.reservation.orderId, r.outcome])).toEqual([['ord-old', 'expired']]);
      expect(summaries.map((s) => s.reservationsExpired)).toEqual([1, 0]);
    });

    it('counts an order acknowledged after its reservation expired as unreserved', async () => {
      // Prepare
      const { ports, summaries, handle, clock, remaining } = consumer();
      ports.book.reserve(reservationOf('acct-1', 'ord-1', { expiresAtMs: NOW + 30_000 }));
      clock.now = NOW + 31_000;
      const life = orderLife('acct-1', 'ord-1', 'O-1', { qty: '1', price: '100' });

      // Act
      await handle(kinesisEvent([life.acknowledged()]));

      // Assess
      expect(summaries[0]).toMatchObject({ reservationsExpired: 1, unreserved: 1, acknowledged: 0 });
      expect(ports.book.reservationsOf.get('acct-1')?.size).toBe(0);
      expect(remaining('O-1')).toBe('1');
    });
  });

  describe('redelivery and retention', () => {
    it('changes nothing when a whole batch is redelivered', async () => {
      // Prepare
      const { ports, summaries, handle } = consumer();
      ports.book.reserve(reservationOf('acct-1', 'ord-1', { qty: '2' }));
      const life = orderLife('acct-1', 'ord-1', 'O-1', { qty: '2', price: '100' });
      const batch = kinesisEvent([life.acknowledged(), life.trade('T1', '1', '1'), life.canceled('1'), fill('f1')]);
      await handle(batch);
      const before = {
        orders: [...ports.orders.orders.values()].map((o) => JSON.stringify(o)),
        position: ports.positions.qty('acct-1', 'BTC/USD'),
        releases: ports.orders.releases.length,
      };

      // Act
      const response = await handle(batch);

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect({
        orders: [...ports.orders.orders.values()].map((o) => JSON.stringify(o)),
        position: ports.positions.qty('acct-1', 'BTC/USD'),
        releases: ports.orders.releases.length,
      }).toEqual(before);
      expect(summaries[1]).toMatchObject({ applied: 0, orderEvents: 0, orderEventsDuplicate: 3, duplicates: 1 });
    });

    it('forgets a closed order and its event keys only after the retention window', async () => {
      // Prepare
      const { ports, handle, clock } = consumer();
      const life = orderLife('acct-1', 'ord-1', 'O-1', { qty: '1', price: '100' });
      await handle(kinesisEvent([life.acknowledged(), life.canceled('0')]));

      // Act
      clock.now = NOW + RETENTION - 1;
      await handle(kinesisEvent([fill('f1')]));
      const kept = ports.book.ordersOf.get('acct-1')?.has('O-1');
      clock.now = NOW + RETENTION;
      await handle(kinesisEvent([fill('f2')]));

      // Assess
      expect(kept).toBe(true);
      expect(ports.book.ordersOf.get('acct-1')?.has('O-1')).toBe(false);
      expect(ports.orders.orders.size).toBe(0);
      expect(ports.orders.seen.size).toBe(0);
    });
  });

  describe('balances', () => {
    it('keeps the newest balance per asset even when an older one is redelivered after it', async () => {
      // Prepare
      const { ports, summaries, handle } = consumer();
      const balance = (value: string, at: string) => ({
        kind: 'balance',
        event_id: `b-${at}`,
        account_id: 'acct-1',
        asset: 'USD',
        balance: value,
        occurred_at: at,
      });

      // Act
      await handle(kinesisEvent([balance('100', '2026-03-02T10:00:01Z'), balance('90', '2026-03-02T10:00:00Z')]));

      // Assess
      expect(ports.balances.stored.get('acct-1|USD')?.balance).toBe('100');
      expect(ports.balances.mirrored).toEqual([['acct-1']]);
      expect(summaries[0]).toMatchObject({ balances: 1 });
    });

    it("reports the largest drift of a balance from its position, after the batch's fills", async () => {
      // Prepare: one fill of 1 BTC/USD; Kraken says 1.25 XBT (BTC) and 0.5 ETH with no position
      const { handle, summaries } = consumer();
      const balance = (asset: string, value: string) => ({
        kind: 'balance',
        event_id: `b-${asset}`,
        account_id: 'acct-1',
        asset,
        balance: value,
        occurred_at: '2026-03-02T10:00:01Z',
      });

      // Act
      await handle(kinesisEvent([fill('f-1'), balance('XBT', '1.25'), balance('USD', '10')]));
      await handle(kinesisEvent([balance('ETH', '0.5')]));

      // Assess
      expect(summaries[0]?.balanceDrift?.asset).toBe('XBT');
      expect(summaries[0]?.balanceDrift?.relative.toString()).toBe('0.2');
      expect(summaries[1]?.balanceDrift?.asset).toBe('ETH');
      expect(summaries[1]?.balanceDrift?.relative.toString()).toBe('1');
    });

    it('reports no drift for a batch without balances', async () => {
      // Prepare
      const { handle, summaries } = consumer();

      // Act
      await handle(kinesisEvent([fill('f-1')]));

      // Assess
      expect(summaries[0]?.balanceDrift).toBeNull();
    });
  });
});
