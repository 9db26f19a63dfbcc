import type { ClientDataAction, FaultProxy, MariaDBServer } from '@goneaway/test-harness';
import type { SeededRandom } from './seeded-random.js';

export const FAULT_KINDS = [
  'kill-in-flight',
  'kill-idle',
  'kill-all',
  'proxy-reset-all',
  'proxy-reset-one',
  'blackhole-then-reset',
  'lose-commit-reply',
  'drop-commit',
  'server-restart',
  'packet-flip',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * How many of each fault one shuffled round (a "deck") holds. Dealing from a deck rather than drawing
 * independently guarantees that even a 15 s run meets every kind of fault at least once.
 */
const DECK: Readonly<Record<FaultKind, number>> = {
  'kill-in-flight': 3,
  'kill-idle': 2,
  'kill-all': 1,
  'proxy-reset-all': 1,
  'proxy-reset-one': 2,
  'blackhole-then-reset': 1,
  'lose-commit-reply': 2,
  'drop-commit': 1,
  'server-restart': 1,
  'packet-flip': 2,
};

export interface FaultCount {
  injected: number;
  /** Nothing to act on at that moment (no statement running, no idle connection…). */
  skipped: number;
}

export interface ChaosMonkeyOptions {
  readonly server: MariaDBServer;
  readonly proxy: FaultProxy;
  readonly random: SeededRandom;
  /** The application user, whose connections are killed. */
  readonly user: string;
  /** Pause between faults, ms (drawn from the seed). */
  readonly pauseMs?: readonly [min: number, max: number];
  /** Writes one line per fault (e.g. process.stdout for `npm run chaos -- --verbose`). */
  readonly log?: (line: string) => void;
}

const PACKET_SIZES = ['1048576', '16777216'] as const;

/**
 * Injects faults one after another until stopped. Each fault leaves the system able to heal (a
 * blackhole is reset after a while, a stopped server is started again), so when `stop()` resolves the
 * server is up and every connection either works or is already dead.
 */
export class ChaosMonkey {
  readonly counts: Record<FaultKind, FaultCount>;
  readonly #options: ChaosMonkeyOptions;
  readonly #random: SeededRandom;
  #deck: FaultKind[] = [];
  #stopping = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #packetIndex = 0;
  #started = 0;

  constructor(options: ChaosMonkeyOptions) {
    this.#options = options;
    this.#random = options.random;
    this.counts = Object.fromEntries(
      FAULT_KINDS.map((kind) => [kind, { injected: 0, skipped: 0 }]),
    ) as Record<FaultKind, FaultCount>;
  }

  start(): void {
    this.#started = Date.now();
    this.#loop = this.#run();
  }

  /** Finishes the fault in progress, disarms the proxy and makes sure the server is up. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
    this.#options.proxy.onClientData(undefined);
  }

  get injected(): number {
    return Object.values(this.counts).reduce((sum, count) => sum + count.injected, 0);
  }

  async #run(): Promise<void> {
    const [min, max] = this.#options.pauseMs ?? [200, 800];
    while (!this.#stopping) {
      await this.#pause(this.#random.int(min, max));
      if (this.#stopping) break;
      const kind = this.#deal();
      const done = await this.#inject(kind).catch((error: unknown) => {
        // The admin connection can fail while the server restarts; the fault simply did not happen.
        this.#log(
          `${kind}: skipped (${error instanceof Error ? error.message.slice(0, 80) : String(error)})`,
        );
        return false;
      });
      this.counts[kind][done ? 'injected' : 'skipped']++;
    }
  }

  #deal(): FaultKind {
    if (this.#deck.length === 0) {
      for (const kind of FAULT_KINDS) for (let i = 0; i < DECK[kind]; i++) this.#deck.push(kind);
      for (let i = this.#deck.length - 1; i > 0; i--) {
        const j = this.#random.int(0, i);
        [this.#deck[i], this.#deck[j]] = [this.#deck[j]!, this.#deck[i]!];
      }
    }
    return this.#deck.pop()!;
  }

  async #inject(kind: FaultKind): Promise<boolean> {
    const { server, proxy } = this.#options;
    switch (kind) {
      case 'kill-in-flight': {
        const ids = await this.#threads('Query');
        if (ids.length === 0) return false;
        const id = this.#random.pick(ids);
        await server.query(`KILL ${id}`).catch(ignoreUnknownThread);
        this.#log(`KILL ${id} (running a statement)`);
        return true;
      }
      case 'kill-idle': {
        const ids = await this.#threads('Sleep');
        if (ids.length === 0) return false;
        const victims = ids.filter(() => this.#random.chance(0.5)).slice(0, 3);
        if (victims.length === 0) victims.push(this.#random.pick(ids));
        for (const id of victims) await server.query(`KILL ${id}`).catch(ignoreUnknownThread);
        this.#log(`KILL ${victims.join(', ')} (idle)`);
        return true;
      }
      case 'kill-all': {
        const killed = await server.killConnections(this.#options.user);
        this.#log(`KILL all ${killed} application connections`);
        return killed > 0;
      }
      case 'proxy-reset-all':
        this.#log(`proxy: RST all ${proxy.stats.active} connections`);
        proxy.resetAll();
        return true;
      case 'proxy-reset-one': {
        const open = proxy.connections().filter((c) => c.state === 'open');
        if (open.length === 0) return false;
        const victim = this.#random.pick(open);
        this.#log(`proxy: RST connection ${victim.id}`);
        victim.reset();
        return true;
      }
      case 'blackhole-then-reset': {
        const holdMs = this.#random.int(300, 1_500);
        this.#log(`proxy: blackhole ${proxy.stats.active} connections for ${holdMs} ms, then RST`);
        proxy.blackholeExisting();
        await this.#pause(holdMs, true);
        proxy.resetAll();
        return true;
      }
      case 'lose-commit-reply':
      case 'drop-commit': {
        // 'forward-then-reset': the COMMIT runs, the reply never arrives (committed, outcome unknown).
        // 'reset': the COMMIT never reaches the server (not committed, outcome unknown to the client).
        const action: ClientDataAction = kind === 'lose-commit-reply' ? 'forward-then-reset' : 'reset';
        let fired = false;
        proxy.onClientData((chunk) => {
          if (fired || !chunk.includes('COMMIT')) return 'forward';
          fired = true;
          return action;
        });
        await this.#pause(this.#random.int(200, 600), true);
        proxy.onClientData(undefined);
        this.#log(`proxy: ${action} on the next COMMIT (${fired ? 'fired' : 'no COMMIT came'})`);
        return fired;
      }
      case 'server-restart': {
        const downMs = this.#random.int(200, 2_000);
        this.#log(`server: SIGKILL, down ${downMs} ms, start`);
        await server.kill();
        await this.#pause(downMs, true);
        await server.start();
        return true;
      }
      case 'packet-flip': {
        const size = PACKET_SIZES[this.#packetIndex++ % PACKET_SIZES.length]!;
        await server.query(`SET GLOBAL max_allowed_packet = ${size}`);
        this.#log(`server: max_allowed_packet = ${size} (new connections)`);
        return true;
      }
    }
  }

  async #threads(command: 'Query' | 'Sleep'): Promise<number[]> {
    const rows = await this.#options.server.query<{ id: number }>(
      'SELECT id FROM information_schema.processlist WHERE user = ? AND command = ? ORDER BY id',
      [this.#options.user, command],
    );
    return rows.map((row) => Number(row.id));
  }

  /** Waits `ms`; `stop()` cuts it short unless the fault in progress needs the whole pause to heal. */
  #pause(ms: number, uninterruptible = false): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      if (!uninterruptible) this.#wake = done;
    });
  }

  #log(line: string): void {
    this.#options.log?.(`${((Date.now() - this.#started) / 1000).toFixed(1).padStart(6)} s  ${line}`);
  }
}

/** A victim that ended on its own between the listing and the KILL (1094: unknown thread id). */
function ignoreUnknownThread(error: unknown): void {
  if ((error as { errno?: number }).errno !== 1094) throw error;
}
