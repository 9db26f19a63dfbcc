import diagnosticsChannel from 'node:diagnostics_channel';
import type { GoneAwayEvent, GoneAwayListener } from './event-types.js';

/** The `node:diagnostics_channel` channel every goneaway instance publishes its events to. */
export const GONEAWAY_CHANNEL = 'goneaway:event';

/** The channel object: the only module-level state, and immutable from goneaway's side. */
export const goneAwayChannel = diagnosticsChannel.channel(GONEAWAY_CHANNEL);

/**
 * Set on each published event by the hub that emitted it, so a throwing global listener is counted
 * in that hub's `listenerErrors`. `Symbol.for`: two copies of the package share it.
 */
export const REPORT_LISTENER_ERROR: unique symbol = Symbol.for('goneaway.reportListenerError') as never;

function reportListenerError(event: unknown): void {
  try {
    const report = (event as { [REPORT_LISTENER_ERROR]?: unknown })[REPORT_LISTENER_ERROR];
    if (typeof report === 'function') report();
  } catch {
    // Counting is best effort: never let it throw into the emitter.
  }
}

/**
 * Listens to the events of every goneaway instance in the process (all names, all packages), through
 * `diagnostics_channel`. A listener that throws is counted in the emitting hub's `listenerErrors`,
 * never rethrown. Returns the function that unsubscribes it.
 */
export function subscribe(listener: GoneAwayListener): () => void {
  const onMessage = (message: unknown): void => {
    try {
      listener(message as GoneAwayEvent);
    } catch {
      reportListenerError(message);
    }
  };
  diagnosticsChannel.subscribe(GONEAWAY_CHANNEL, onMessage);
  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    diagnosticsChannel.unsubscribe(GONEAWAY_CHANNEL, onMessage);
  };
}
