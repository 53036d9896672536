import { describe, expect, it } from 'vitest';
import type { LeaderChangeListener } from '../../src/raft/driver/index.js';
import { MetaContact } from '../../src/node/meta-contact.js';

/** A leader-change source driven by hand, and a clock moved by hand. */
function harness(): { events: { onLeaderChange(l: LeaderChangeListener): () => void }; emit: LeaderChangeListener; listeners: Set<LeaderChangeListener>; clock: { ms: number } } {
  const listeners = new Set<LeaderChangeListener>();
  const clock = { ms: 1_000 };
  return {
    listeners,
    clock,
    events: {
      onLeaderChange(l) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    },
    emit: (...args) => {
      for (const l of listeners) l(...args);
    },
  };
}

describe('MetaContact', () => {
  it('counts from start-up until a leader is known, restarts when the leader is lost, and ignores other groups', () => {
    const h = harness();
    const contact = new MetaContact(h.events, '__meta', () => h.clock.ms);
    h.clock.ms += 250;
    expect(contact.leaderlessForMs()).toBe(250);
    h.emit('__meta', 1, 2, false);
    h.clock.ms += 5_000;
    expect(contact.leaderlessForMs()).toBe(0);
    // Another group losing its leader says nothing about __meta.
    h.emit('p.topic-0', 3, undefined, false);
    expect(contact.leaderlessForMs()).toBe(0);
    h.emit('__meta', 2, undefined, false);
    h.clock.ms += 700;
    // A second "no leader" (pre-candidate, then candidate) does not restart the count.
    h.emit('__meta', 3, undefined, false);
    h.clock.ms += 300;
    expect(contact.leaderlessForMs()).toBe(1_000);
    h.emit('__meta', 3, 0, true);
    expect(contact.leaderlessForMs()).toBe(0);
    contact.close();
    expect(h.listeners.size).toBe(0);
  });
});
