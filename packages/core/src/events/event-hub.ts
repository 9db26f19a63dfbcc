import { ERROR_KINDS, type ErrorKind } from '../classification/classification.js';
import {
  EVICTION_REASONS,
  type EvictionReason,
  GONEAWAY_EVENT_TYPES,
  type GoneAwayEvent,
  type GoneAwayEventInput,
  type GoneAwayEventType,
  type GoneAwayListener,
} from './event-types.js';
import { goneAwayChannel, REPORT_LISTENER_ERROR } from './goneaway-channel.js';

/**
 * Counters of one goneaway instance, as plain numbers keyed by stable strings: every key is present
 * from the start (at 0), so each maps directly to a Prometheus or OpenTelemetry counter with a label.
 */
export interface GoneAwayStats {
  /** The instance's `name`. */
  readonly source: string;
  /** Events emitted, per type. */
  readonly events: Readonly<Record<GoneAwayEventType, number>>;
  /** `evicted` events, per reason. */
  readonly evictions: Readonly<Record<EvictionReason, number>>;
  /** Classified errors seen in `evicted`, `retry` and `circuit-open` events, per kind. */
  readonly kinds: Readonly<Record<ErrorKind, number>>;
  /** Statements and connects run again (the `retry` events). */
  readonly retries: number;
  /** Listeners that threw (they are skipped, never rethrown into the pool). */
  readonly listenerErrors: number;
}

export interface EventHub {
  /** The instance name carried in every event as `source`. */
  readonly name: string;
  /** Stamps `source` and `time`, counts, and delivers to this hub's listeners and the channel. */
  emit(event: GoneAwayEventInput): GoneAwayEvent;
  /** Listens to this instance's events only. Returns the function that unsubscribes. */
  subscribe(listener: GoneAwayListener): () => void;
  /** A snapshot of the counters (a new frozen object each call). */
  stats(): GoneAwayStats;
}

function zeroes<K extends string>(keys: readonly K[]): Record<K, number> {
  const counters = Object.create(null) as Record<K, number>;
  for (const key of keys) counters[key] = 0;
  return counters;
}

function increment<K extends string>(counters: Record<K, number>, key: unknown): void {
  if (typeof key === 'string' && Object.hasOwn(counters, key)) counters[key as K] += 1;
}

/**
 * The event source of one goneaway instance: typed listeners, counters for metrics, and the shared
 * `goneaway:event` diagnostics channel. A listener that throws is skipped and counted; emitting never
 * throws because of a listener.
 */
export function createEventHub(name: string): EventHub {
  const events = zeroes(GONEAWAY_EVENT_TYPES);
  const evictions = zeroes(EVICTION_REASONS);
  const kinds = zeroes(ERROR_KINDS);
  let listenerErrors = 0;
  // A fresh array on every change: emit iterates a snapshot, so (un)subscribing inside a listener is safe.
  let listeners: readonly GoneAwayListener[] = [];
  const countListenerError = (): void => {
    listenerErrors += 1;
  };

  return Object.freeze({
    name,

    emit(input: GoneAwayEventInput): GoneAwayEvent {
      const event = { ...input, source: name, time: Date.now() } as GoneAwayEvent;
      Object.defineProperty(event, REPORT_LISTENER_ERROR, { value: countListenerError });
      Object.freeze(event);

      increment(events, event.type);
      if (event.type === 'evicted') increment(evictions, event.reason);
      if (event.type === 'evicted' || event.type === 'retry' || event.type === 'circuit-open') {
        increment(kinds, event.classification?.kind);
      }

      for (const listener of listeners) {
        try {
          listener(event);
        } catch {
          countListenerError();
        }
      }
      if (goneAwayChannel.hasSubscribers) goneAwayChannel.publish(event);
      return event;
    },

    subscribe(listener: GoneAwayListener): () => void {
      listeners = [...listeners, listener];
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        listeners = listeners.filter((candidate) => candidate !== listener);
      };
    },

    stats(): GoneAwayStats {
      return Object.freeze({
        source: name,
        events: Object.freeze({ ...events }),
        evictions: Object.freeze({ ...evictions }),
        kinds: Object.freeze({ ...kinds }),
        retries: events.retry,
        listenerErrors,
      });
    },
  });
}
