/**
 * Runs tasks of the same key one after another, tasks of different keys side by side. The
 * validate use case re-makes a decision whose account book moved under it inside its
 * account's queue: optimistic first attempts race freely, and the retries of one process
 * stop racing each other, so N concurrent orders of one account settle in N commits instead
 * of a conflict storm. Pure: no timers, no I/O.
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
