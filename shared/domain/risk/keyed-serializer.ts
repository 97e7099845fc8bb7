/**
 * Runs tasks of the same key one after another, tasks of different keys side by side. The
 * validate use case makes every decision of an account inside its account's queue, first
 * attempt included: each is made on the copy of the state the previous commit left, so N
 * concurrent orders of one account settle in N commits of one trip each instead of a
 * conflict storm (raced, all but one of N decided on the same copy found it moved, ~3 trips
 * a decision at 16 in flight; issue #16). Nothing bounds a queue: a slow store (a command
 * timeout) delays the account's later orders by as much each. Pure: no timers, no I/O.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
