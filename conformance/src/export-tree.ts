import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConformanceError } from './command.js';

interface TreeEntry {
  readonly mode: string;
  readonly sha: string;
  readonly path: string;
}

/**
 * Writes the files of `commit` into `dir`, like `git archive | tar -x`, but skips blobs the
 * repository does not have (a mirror may leave out its largest files, e.g. kysely's demo GIF, where
 * `git archive` stops at the first one). Returns the paths it skipped. The repository is only read.
 */
export async function exportTree(gitArgs: readonly string[], commit: string, dir: string): Promise<string[]> {
  const listing = execFileSync('git', [...gitArgs, 'ls-tree', '-r', '-z', '--full-tree', commit], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const entries: TreeEntry[] = [];
  for (const record of listing.split('\0')) {
    if (record === '') continue;
    const tab = record.indexOf('\t');
    const [mode, type, sha] = record.slice(0, tab).split(' ') as [string, string, string];
    // Submodules (type commit) have no content here.
    if (type === 'blob') entries.push({ mode, sha, path: record.slice(tab + 1) });
  }
  const contents = await readBlobs(
    gitArgs,
    entries.map((entry) => entry.sha),
  );
  const skipped: string[] = [];
  for (const entry of entries) {
    const content = contents.get(entry.sha);
    if (content === undefined) {
      skipped.push(entry.path);
      continue;
    }
    const target = join(dir, entry.path);
    await mkdir(dirname(target), { recursive: true });
    if (entry.mode === '120000') {
      await symlink(content.toString('utf8'), target);
    } else {
      await writeFile(target, content);
      if (entry.mode === '100755') await chmod(target, 0o755);
    }
  }
  return skipped;
}

/** Reads blobs through one `git cat-file --batch`; a missing one is left out of the map. */
function readBlobs(gitArgs: readonly string[], shas: readonly string[]): Promise<Map<string, Buffer>> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', [...gitArgs, 'cat-file', '--batch'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const blobs = new Map<string, Buffer>();
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', (error) => reject(new ConformanceError(`git cat-file: ${error.message}`)));
    child.once('close', (code) => {
      if (code !== 0) {
        reject(new ConformanceError(`git cat-file --batch exited with ${code}: ${stderr.trim()}`));
        return;
      }
      const output = Buffer.concat(chunks);
      let offset = 0;
      while (offset < output.length) {
        const newline = output.indexOf(0x0a, offset);
        const header = output.subarray(offset, newline).toString('utf8');
        offset = newline + 1;
        const [sha, kind, size] = header.split(' ') as [string, string, string | undefined];
        if (kind === 'missing' || size === undefined) continue;
        const length = Number(size);
        blobs.set(sha, output.subarray(offset, offset + length));
        offset += length + 1; // the content is followed by a newline
      }
      resolvePromise(blobs);
    });
    child.stdin.end(`${[...new Set(shas)].join('\n')}\n`);
  });
}
