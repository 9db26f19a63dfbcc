import type { GoneAwayEvent } from '../events/event-types.js';

/** An event before the hub stamps it with `source` (the instance name) and `time`. */
export type GoneAwayEventDraft = GoneAwayEvent extends infer E
  ? E extends GoneAwayEvent
    ? Omit<E, 'source' | 'time'>
    : never
  : never;

/** Where retry machinery reports what it did; the event hub satisfies it. */
export interface EventSink {
  emit(event: GoneAwayEventDraft): void;
}

/** A listener's mistake must never change the outcome of a database call. */
export function emitSafely(sink: EventSink | undefined, event: GoneAwayEventDraft): void {
  if (sink === undefined) return;
  try {
    sink.emit(event);
  } catch {
    // The hub isolates its listeners; this guards a sink that does not.
  }
}
