import { describe, expect, it } from 'vitest';
import { disposable, Listeners } from 'agentvisor/internal';
import { nextMacrotask } from '../../../runtime/clock/index.js';

describe('disposable', () => {
  it('releases once, whether by dispose() or by a `using` block', () => {
    let released = 0;
    {
      using registration = disposable(() => {
        released += 1;
      });
      registration.dispose();
    }
    expect(released).toBe(1);
  });
});

describe('Listeners', () => {
  it('calls each registration, the same function twice when added twice, until disposed', () => {
    const listeners = new Listeners<number>();
    const seen: number[] = [];
    const listener = (n: number): void => {
      seen.push(n);
    };
    const first = listeners.add(listener);
    {
      using _second = listeners.add(listener);
      listeners.emit(1);
    }
    first.dispose();
    listeners.emit(2);
    expect(seen).toEqual([1, 1]);
    expect(listeners.size).toBe(0);
  });

  it('a throwing listener neither stops the others nor the emitter: its error is rethrown on a macrotask', async () => {
    const listeners = new Listeners<string>();
    const seen: string[] = [];
    const boom = new Error('listener bug');
    listeners.add(() => {
      throw boom;
    });
    listeners.add((e) => seen.push(e));
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => {
      uncaught.push(err);
    };
    process.prependListener('uncaughtException', onUncaught);
    try {
      listeners.emit('x');
      expect(seen).toEqual(['x']);
      await nextMacrotask();
      await nextMacrotask();
    } finally {
      process.removeListener('uncaughtException', onUncaught);
    }
    expect(uncaught).toContain(boom);
  });

  it('with an onListenerError, a throwing listener is reported there (with its event) instead', () => {
    const reported: [unknown, string][] = [];
    const listeners = new Listeners<string>({
      onListenerError: (err, event) => reported.push([err, event]),
    });
    const boom = new Error('listener bug');
    const seen: string[] = [];
    listeners.add(() => {
      throw boom;
    });
    listeners.add((e) => seen.push(e));
    listeners.emit('y');
    expect(seen).toEqual(['y']);
    expect(reported).toEqual([[boom, 'y']]);
  });
});
