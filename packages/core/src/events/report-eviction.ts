import type { Classification } from '../classification/classification.js';
import type { PooledConnectionState } from '../connections/pooled-connection-state.js';
import type { EventHub } from './event-hub.js';
import type { EvictionReason } from './event-types.js';

/** Emits one `evicted` event per connection (the first reason wins), with its age and idle time. */
export function reportEviction(
  hub: EventHub,
  state: PooledConnectionState,
  reason: EvictionReason,
  classification?: Classification,
): void {
  if (state.evictionReported) return;
  state.evictionReported = true;
  hub.emit({
    type: 'evicted',
    reason,
    connectionId: state.connectionId,
    ageMs: Math.round(state.ageMs()),
    idleMs: Math.round(state.idleMs()),
    classification,
  });
}
