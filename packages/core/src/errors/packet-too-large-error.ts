import type { Classification } from '../classification/classification.js';
import { classify } from '../classification/classify.js';
import { GONEAWAY_CODES } from './goneaway-codes.js';
import { GoneAwayError, hasGoneAwayCode } from './goneaway-error.js';
import { statementShape } from './statement-phrase.js';

export interface PacketTooLargeErrorOptions {
  /** Bytes of the packet the driver would send (or sent), header included. */
  readonly packetBytes?: number;
  /** The server's `max_allowed_packet`, bytes. */
  readonly maxAllowedPacket?: number;
  /** The SQL; only its shape is kept. */
  readonly statement?: string;
  /** `'goneaway'` (default): the packet guard stopped it before sending; `'server'`: the server rejected it. */
  readonly rejectedBy?: 'goneaway' | 'server';
  readonly cause?: unknown;
  /** Defaults to `classify(cause)`. */
  readonly classification?: Classification;
}

const HINT = 'Raise max_allowed_packet on the server or stream the BLOB in smaller chunks.';

function bytes(value: number): string {
  return `${value.toLocaleString('en-US')} bytes`;
}

function validSize(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** A statement's packet is larger than the server's `max_allowed_packet`. */
export class PacketTooLargeError extends GoneAwayError {
  readonly packetBytes: number | undefined;
  readonly maxAllowedPacket: number | undefined;
  readonly statement: string | undefined;
  readonly rejectedBy: 'goneaway' | 'server';

  constructor(options: PacketTooLargeErrorOptions = {}) {
    const classification =
      options.classification ?? (options.cause === undefined ? undefined : classify(options.cause));
    const packetBytes = validSize(options.packetBytes);
    const maxAllowedPacket = validSize(options.maxAllowedPacket);
    const rejectedBy = options.rejectedBy ?? 'goneaway';
    const statement = statementShape(options.statement);
    const subject = statement === undefined ? 'The statement' : `The statement (\`${statement}\`)`;
    const size = packetBytes === undefined ? 'is' : `is ${bytes(packetBytes)},`;
    const limit =
      maxAllowedPacket === undefined
        ? "the server's max_allowed_packet"
        : `max_allowed_packet (${bytes(maxAllowedPacket)})`;
    const outcome =
      rejectedBy === 'goneaway'
        ? 'so goneaway did not send it'
        : 'so the server rejected it and closed the connection';
    super(
      GONEAWAY_CODES.PACKET_TOO_LARGE,
      `${subject} ${size} more than ${limit}, ${outcome}. ${HINT}`,
      HINT,
      {
        cause: options.cause,
        classification,
      },
    );
    this.packetBytes = packetBytes;
    this.maxAllowedPacket = maxAllowedPacket;
    this.statement = statement;
    this.rejectedBy = rejectedBy;
  }

  protected override jsonFields(): Record<string, unknown> {
    return {
      packetBytes: this.packetBytes,
      maxAllowedPacket: this.maxAllowedPacket,
      statement: this.statement,
      rejectedBy: this.rejectedBy,
    };
  }

  static {
    Object.defineProperty(PacketTooLargeError.prototype, 'name', {
      value: 'PacketTooLargeError',
      writable: true,
      configurable: true,
    });
  }
}

export function isPacketTooLarge(value: unknown): value is PacketTooLargeError {
  return hasGoneAwayCode(value, GONEAWAY_CODES.PACKET_TOO_LARGE);
}
