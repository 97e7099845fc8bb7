import { describe, expect, it } from 'vitest';
import { KeyedSerializer } from './keyed-serializer.js';

/** A task that records when it starts and ends, and ends when told. */
function gate(log: string[], name: string) {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    open: () => open(),
    task: async () => {
      log.push(`start ${name}`);
      await opened;
      log.push(`end ${name}`);
      return name;
    },
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('Class: KeyedSerializer', () => {
  it('runs tasks of one key one after another, in the order given', async () => {
    // Prepare
    const serializer = new KeyedSerializer();
    const log: string[] = [];
    const [a, b] = [gate(log, 'a'), gate(log, 'b')];

    // Act
    const results = [serializer.run('acct-1', a.task), serializer.run('acct-1', b.task)];
    await tick();
    b.open();
    await tick();
    const before = [...log];
    a.open();

    // Assess: b waited for a although it was free to end first.
    expect(await Promise.all(results)).toEqual(['a', 'b']);
    expect(before).toEqual(['start a']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('runs tasks of different keys side by side', async () => {
    // Prepare
    const serializer = new KeyedSerializer();
    const log: string[] = [];
    const [a, b] = [gate(log, 'a'), gate(log, 'b')];

    // Act
    const results = [serializer.run('acct-1', a.task), serializer.run('acct-2', b.task)];
    await tick();
    const started = [...log];
    b.open();
    a.open();

    // Assess
    expect(started).toEqual(['start a', 'start b']);
    expect(await Promise.all(results)).toEqual(['a', 'b']);
  });

  it('runs the next task of a key after one that failed, and hands the failure to its caller', async () => {
    // Prepare
    const serializer = new KeyedSerializer();

    // Act
    const failed = serializer.run('acct-1', async () => {
      throw new Error('store down');
    });
    const next = serializer.run('acct-1', async () => 'next');

    // Assess
    await expect(failed).rejects.toThrow('store down');
    expect(await next).toBe('next');
  });
});
