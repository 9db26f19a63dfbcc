import { open, stat } from 'node:fs/promises';

const MAX_TAIL_BYTES = 16 * 1024;

/** The last `maxLines` lines of a log file written after byte `fromOffset` ('' when there is none). */
export async function readLogTail(file: string, fromOffset = 0, maxLines = 30): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, 'r');
    const { size } = await handle.stat();
    const start = Math.max(fromOffset, size - MAX_TAIL_BYTES);
    const length = Math.max(0, size - start);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, start);
    const lines = buffer.toString('utf8').split('\n');
    if (start > fromOffset) lines.shift(); // the first line was cut in the middle
    return lines
      .map((line) => line.trimEnd())
      .filter((line) => line !== '')
      .slice(-maxLines)
      .join('\n');
  } catch {
    return '';
  } finally {
    await handle?.close();
  }
}

/** Current size of a file, 0 when it does not exist yet: the offset where the next attempt's output starts. */
export async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}
