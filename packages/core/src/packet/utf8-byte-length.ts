import { Buffer } from 'node:buffer';

/**
 * Bytes of `text` in UTF-8, counted without encoding it (a 64 MB statement is not copied to be
 * measured). Lone surrogates count 3 bytes, as Node encodes them (U+FFFD), which is what the driver
 * sends for a utf8/utf8mb4 connection.
 */
export function utf8ByteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
