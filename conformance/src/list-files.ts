import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Files under `dir` (relative to `root`) whose name ends with `suffix`, sorted: the order mocha's glob gives. */
export async function listFiles(root: string, dir: string, suffix: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(suffix))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name).slice(root.length + 1))
    .filter((file) => !file.split('/').includes('node_modules'))
    .sort();
}
