import type { GoneAwayEventInput } from '../events/event-types.js';

/** Where retry machinery reports what it did; the event hub (createEventHub) satisfies it. */
export interface EventSink {
  emit(event: GoneAwayEventInput): void;
}

/** A listener's mistake must never change the outcome of a database call. */
export function emitSafely(sink: EventSink | undefined, event: GoneAwayEventInput): void {
  if (sink === undefined) return;
  try {
    sink.emit(event);
  } catch {
    // The hub isolates its listeners; this guards a sink that does not.
  }
}
