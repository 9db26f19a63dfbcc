import type { EventHub } from '../events/event-hub.js';
import type { DerivedConnectionLimits } from '../limits/derive-connection-limits.js';
import type { ServerLimits } from '../limits/server-limits.js';

/**
 * Reports a pool's server limits: `limits-discovered` (with what goneaway derived from them) and one
 * `limit-capped` per limit the user's option had to be lowered to, when the pool first reads them and
 * again whenever a new connection reads different ones (a failover to a server with another
 * wait_timeout, a read_only switch), never once per connection.
 */
export class LimitsReporter {
  #lastKey: string | undefined;

  constructor(private readonly hub: EventHub) {}

  report(serverLimits: ServerLimits, derived: DerivedConnectionLimits): void {
    const key = `${serverLimits.waitTimeoutSeconds}/${serverLimits.maxAllowedPacket}/${serverLimits.readOnly}/${serverLimits.version}`;
    if (key === this.#lastKey) return;
    this.#lastKey = key;
    this.hub.emit({ type: 'limits-discovered', limits: serverLimits, derived: derived.limits });
    for (const cap of derived.capped) {
      this.hub.emit({ type: 'limit-capped', ...cap, waitTimeoutSeconds: serverLimits.waitTimeoutSeconds });
    }
  }
}
