import type { DrainAuditSpoolPorts, SpoolEntry } from './ports.js';

/** How one pass reads the spool. */
export interface SpoolPassSettings {
  /** Entries read and inserted per batch. */
  readonly batchSize: number;
  /** Batches before the pass returns, even when the spool is not empty yet. */
  readonly maxBatches: number;
}

export interface SpoolPassResult {
  /** Records now in the audit table and gone from the spool. */
  readonly moved: number;
  /** Unreadable entries moved to the dead-letter stream. */
  readonly parked: number;
}

/**
 * One pass over the spool: each batch's records go to the audit table, and only after the
 * insert committed are they deleted from the spool. The insert is idempotent, so a crash
 * between the two inserts nothing twice and loses nothing. An entry that cannot be read
 * must not block every later decision's audit: it is parked (kept whole) in the dead-letter
 * stream and removed from the spool before the batch is inserted, so a failing insert does
 * not park it again on the next pass.
 *
 * Throws when the audit table or the spool fails: the batch's records stay in the spool.
 */
export async function moveSpoolBatches<E extends SpoolEntry>(
  ports: DrainAuditSpoolPorts<E>,
  settings: SpoolPassSettings,
): Promise<SpoolPassResult> {
  const tally = { moved: 0, parked: 0 };
  await movePass(ports, settings, tally);
  return tally;
}

/** A pass that counts into `tally` as it goes, so what was done before a failure still counts. */
async function movePass<E extends SpoolEntry>(
  ports: DrainAuditSpoolPorts<E>,
  settings: SpoolPassSettings,
  tally: { moved: number; parked: number },
): Promise<void> {
  for (let batch = 0; batch < settings.maxBatches; batch++) {
    const entries = await ports.spool.read(settings.batchSize);
    if (entries.length === 0) break;
    const unreadable = entries.filter((entry) => entry.record === null);
    if (unreadable.length > 0) {
      await ports.spool.park(unreadable);
      await ports.spool.remove(unreadable.map((entry) => entry.id));
      tally.parked += unreadable.length;
    }
    const readable = entries.filter((entry) => entry.record !== null);
    await ports.table.insert(readable.map((entry) => entry.record).filter((record) => record !== null));
    await ports.spool.remove(readable.map((entry) => entry.id));
    tally.moved += readable.length;
    if (entries.length < settings.batchSize) break;
  }
}

/** The Lambda's time budget as the use case sees it. */
export interface DrainDeadline {
  /** Milliseconds left before the invocation is cut off. */
  remainingMs(): number;
  sleep(ms: number): Promise<void>;
}

export interface DrainSettings extends SpoolPassSettings {
  /** Stop starting passes when less than this is left, so the report is still sent. */
  readonly safetyMarginMs: number;
  /** Pause after a pass that found nothing to move. */
  readonly idleSleepMs: number;
  /** Pause after a failed pass. */
  readonly failureBackoffMs: number;
}

export interface DrainReport extends SpoolPassResult {
  /** Passes that failed (the records stayed in the spool). */
  readonly failures: number;
  /** Entries still in the spool at the end, or -1 when Redis could not say. */
  readonly spoolLength: number;
  /** Entries in the dead-letter stream at the end, or -1 when Redis could not say. */
  readonly deadLetters: number;
}

/**
 * Drains the audit spool into the audit table until shortly before the deadline, so records
 * reach the table within about a second while it is up, and wait safely in the spool when
 * not. A failed pass is counted and retried after a pause; it never ends the run early.
 */
export async function drainAuditSpool<E extends SpoolEntry>(
  ports: DrainAuditSpoolPorts<E>,
  deadline: DrainDeadline,
  settings: DrainSettings,
  onPassFailed: (error: unknown) => void = () => {},
): Promise<DrainReport> {
  const tally = { moved: 0, parked: 0 };
  let failures = 0;
  while (deadline.remainingMs() > settings.safetyMarginMs) {
    const before = tally.moved + tally.parked;
    try {
      await movePass(ports, settings, tally);
      if (tally.moved + tally.parked === before) await deadline.sleep(settings.idleSleepMs);
    } catch (error) {
      failures++;
      onPassFailed(error);
      await deadline.sleep(settings.failureBackoffMs);
    }
  }
  // -1 when Redis cannot say: the alarms read the maximum, so an unknown never looks like 0 only by luck.
  const [spoolLength, deadLetters] = await Promise.all([
    ports.spool.length().catch(() => -1),
    ports.spool.deadLength().catch(() => -1),
  ]);
  return { ...tally, failures, spoolLength, deadLetters };
}
