import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PostgresReservationEventWriter } from '../../shared/adapters/postgres/reservation-events.js';
import { createRedisClient } from '../../shared/adapters/redis/client.js';
import {
  encodeReservationEvent,
  RedisReservationEvents,
  type ReservationEvent,
} from '../../shared/adapters/redis/reservation-events.js';
import { REDIS_KEYS, TABLES } from '../../shared/names.js';
import { databaseUrl, local } from '../../test/local-env.js';
import { moveReservationEvents } from './drain-reservation-events.js';

let redis: Redis;
let pool: pg.Pool;

beforeAll(async () => {
  redis = createRedisClient({ host: local.redisHost, port: local.redisPort, db: local.testRedisDb, tls: false });
  await redis.connect();
  pool = new pg.Pool({ connectionString: databaseUrl() });
});

afterAll(async () => {
  redis.disconnect();
  await pool.end();
});

beforeEach(async () => {
  await redis.del(REDIS_KEYS.reservationEvents, REDIS_KEYS.auditSpoolDead);
});

function expiry(): ReservationEvent {
  const decisionId = randomUUID();
  return {
    kind: 'expired',
    atMs: 1_700_000_031_000,
    reservation: {
      account_id: 'company',
      order_id: `res-${decisionId}`,
      decision_id: decisionId,
      symbol: 'BTC/USD',
      side: 'buy',
      type: 'limit',
      qty: '0.00000001',
      limit_price: '65000.1',
      worst_price: '65000.1',
      reduce_only: false,
      created_at_ms: 1_700_000_000_000,
      expires_at_ms: 1_700_000_030_000,
    },
  };
}

describe('Function: moveReservationEvents', () => {
  it('copies expiries into reservation_events exactly, once, and empties the stream; parks the unreadable', async () => {
    // Prepare
    const event = expiry();
    await redis.xadd(REDIS_KEYS.reservationEvents, '*', ...encodeReservationEvent(event));
    await redis.xadd(REDIS_KEYS.reservationEvents, '*', 'kind', 'expired', 'reservation', '{');
    const ports = { stream: new RedisReservationEvents(redis), table: new PostgresReservationEventWriter(pool) };

    // Act
    const first = await moveReservationEvents(ports, { batchSize: 10, maxBatches: 5 });
    // A redelivery (a crash between insert and delete) inserts nothing twice.
    await redis.xadd(REDIS_KEYS.reservationEvents, '*', ...encodeReservationEvent(event));
    const second = await moveReservationEvents(ports, { batchSize: 10, maxBatches: 5 });

    // Assess
    expect(first).toEqual({ moved: 1, parked: 1 });
    expect(second).toEqual({ moved: 1, parked: 0 });
    const { rows } = await pool.query(
      `SELECT kind, qty::text, worst_price::text, expires_at_ms::text, at_ms::text, reservation->>'limit_price' AS limit_price
         FROM ${TABLES.reservationEvents} WHERE decision_id = $1`,
      [event.reservation.decision_id],
    );
    expect(rows).toEqual([
      {
        kind: 'expired',
        qty: '0.00000001',
        worst_price: '65000.1',
        expires_at_ms: '1700000030000',
        at_ms: '1700000031000',
        limit_price: '65000.1',
      },
    ]);
    expect(await redis.xlen(REDIS_KEYS.reservationEvents)).toBe(0);
    expect(await redis.xlen(REDIS_KEYS.auditSpoolDead)).toBe(1);
  });
});
