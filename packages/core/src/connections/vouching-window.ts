/** The bypass window is kept in this many slices: a proof counts until its slice leaves the window. */
const SLICES = 4;

/**
 * Recent proofs that the path to the server works for connections idle since a given time: a
 * connection that had been idle since `idleSince` answered at `now` (a use ended, a ping answered).
 * What goes silent with idleness (a NAT or a firewall that forgets idle flows) takes the connections
 * idle longest first, so a connection that sat idle at least as long and has just worked vouches for
 * another: `vouchesFor(lastUsedAt)` holds when a proof within the window has `idleSince <= lastUsedAt`.
 *
 * The earliest idleSince proven is kept per slice of the window (a sliding minimum in constant space:
 * proving runs on every statement). A jump of the wall clock against the monotonic one (a frozen
 * process, a suspended laptop: the monotonic clock stood still) voids every proof.
 */
export class VouchingWindow {
  readonly #sliceMs: number;
  readonly #sliceIds = new Float64Array(SLICES + 1).fill(Number.NEGATIVE_INFINITY);
  readonly #earliest = new Float64Array(SLICES + 1);
  #wallOffset = Number.NaN;

  constructor(readonly windowMs: number) {
    this.#sliceMs = windowMs / SLICES;
  }

  prove(idleSince: number, now: number, wallNow: number): void {
    if (this.windowMs <= 0) return;
    const offset = wallNow - now;
    if (!(Math.abs(offset - this.#wallOffset) <= this.windowMs)) this.forget();
    this.#wallOffset = offset;
    const id = Math.floor(now / this.#sliceMs);
    const slot = id % this.#sliceIds.length;
    if (this.#sliceIds[slot] !== id) {
      this.#sliceIds[slot] = id;
      this.#earliest[slot] = idleSince;
    } else if (idleSince < (this.#earliest[slot] as number)) {
      this.#earliest[slot] = idleSince;
    }
  }

  vouchesFor(lastUsedAt: number, now: number, wallNow: number): boolean {
    if (this.windowMs <= 0 || !(Math.abs(wallNow - now - this.#wallOffset) <= this.windowMs)) return false;
    // A slice counts while it started within the window: no proof older than the window counts.
    const oldest = Math.ceil((now - this.windowMs) / this.#sliceMs);
    for (let slot = 0; slot < this.#sliceIds.length; slot++) {
      if ((this.#sliceIds[slot] as number) >= oldest && (this.#earliest[slot] as number) <= lastUsedAt)
        return true;
    }
    return false;
  }

  forget(): void {
    this.#sliceIds.fill(Number.NEGATIVE_INFINITY);
    this.#wallOffset = Number.NaN;
  }
}
