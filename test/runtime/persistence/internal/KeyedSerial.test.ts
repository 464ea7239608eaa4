import { describe, expect, it } from 'vitest';
import { KeyedSerial } from '../../../../runtime/persistence/internal/KeyedSerial.js';

/** A promise and the functions that settle it. */
function deferred() {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('KeyedSerial', () => {
  it('runs tasks of one key in call order, one at a time, and keys independently', async () => {
    const serial = new KeyedSerial();
    const log: string[] = [];
    const gate = deferred();
    const a1 = serial.run('a', async () => {
      log.push('a1 start');
      await gate.promise;
      log.push('a1 end');
    });
    const a2 = serial.run('a', () => Promise.resolve(log.push('a2')));
    const b1 = serial.run('b', () => Promise.resolve(log.push('b1')));
    await b1;
    expect(log).toEqual(['a1 start', 'b1']);
    gate.resolve();
    await Promise.all([a1, a2]);
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });

  it('keeps going after a task fails, and idle waits for everything queued', async () => {
    const serial = new KeyedSerial();
    const failed = serial.run('a', () => Promise.reject(new Error('boom')));
    const next = serial.run('a', () => Promise.resolve(42));
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe(42);
    let done = false;
    void serial.run('b', async () => {
      await Promise.resolve();
      done = true;
    });
    await serial.idle();
    expect(done).toBe(true);
  });
});
