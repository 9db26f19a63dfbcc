/**
 * The ```ts blocks of our READMEs, as files a user's compiler can check.
 *
 * An HTML comment right before a fence (blank lines between are allowed) says how to compile it:
 *
 *   <!-- snippet: prelude declare const db: import('knex').Knex; -->
 *     TypeScript put before the block: what the surrounding prose says the reader already has
 *     (a `db` from the example above, an entity class). It may span several lines.
 *   <!-- snippet: no-compile <why> -->
 *     the block is deliberately partial and is not compiled; the reason is required.
 */
export interface ReadmeSnippet {
  /** The README, relative to the repository root. */
  readme: string;
  /** 1-based among the README's ```ts blocks. */
  index: number;
  /** The README line of the first line of code. */
  line: number;
  code: string;
  prelude: string;
  /** Set when the block is marked no-compile. */
  skipReason?: string;
}

const FENCE = /^\s*```(ts|typescript)\s*$/;
const CLOSING = /^\s*```\s*$/;
const MARKER = /<!--\s*snippet:\s*(prelude|no-compile)\b([\s\S]*?)-->\s*$/;

export function extractSnippets(readme: string, markdown: string): ReadmeSnippet[] {
  const lines = markdown.split('\n');
  const snippets: ReadmeSnippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!FENCE.test(lines[i]!)) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !CLOSING.test(lines[end]!)) end++;
    if (end === lines.length) throw new Error(`${readme}:${i + 1}: a \`\`\`ts block is never closed`);
    const indent = /^\s*/.exec(lines[i]!)![0].length;
    const code = lines
      .slice(start, end)
      .map((line) => line.slice(Math.min(indent, /^\s*/.exec(line)![0].length)))
      .join('\n');
    const marker = markerBefore(lines, i);
    const snippet: ReadmeSnippet = {
      readme,
      index: snippets.length + 1,
      line: start + 1,
      code,
      prelude: marker?.kind === 'prelude' ? marker.text : '',
    };
    if (marker?.kind === 'no-compile') {
      if (marker.text === '') throw new Error(`${readme}:${i + 1}: snippet: no-compile needs a reason`);
      snippet.skipReason = marker.text;
    }
    snippets.push(snippet);
    i = end;
  }
  return snippets;
}

/** The marker comment that ends on the last non-blank line before the fence, if any. */
function markerBefore(
  lines: readonly string[],
  fence: number,
): { kind: 'prelude' | 'no-compile'; text: string } | undefined {
  let last = fence - 1;
  while (last >= 0 && lines[last]!.trim() === '') last--;
  if (last < 0 || !lines[last]!.trimEnd().endsWith('-->')) return undefined;
  let first = last;
  while (first >= 0 && !lines[first]!.includes('<!--')) first--;
  if (first < 0) return undefined;
  const match = MARKER.exec(lines.slice(first, last + 1).join('\n'));
  if (!match) return undefined;
  return { kind: match[1] as 'prelude' | 'no-compile', text: match[2]!.trim() };
}

/** A file name for the snippet inside the compile project: `packages-knex-plugin-README-2.ts`. */
export function snippetFileName(snippet: ReadmeSnippet): string {
  return `${snippet.readme.replace(/\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-')}-${snippet.index}.ts`;
}

/** The file's text: prelude, then the block. */
export function snippetSource(snippet: ReadmeSnippet): string {
  return snippet.prelude === '' ? `${snippet.code}\n` : `${snippet.prelude}\n${snippet.code}\n`;
}

export interface CompilerError {
  file: string;
  line: number;
  message: string;
}

/** `file(line,col): error TSnnnn: message` lines of `tsc --pretty false`. */
export function parseCompilerErrors(output: string): CompilerError[] {
  const errors: CompilerError[] = [];
  for (const match of output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+: .*)$/gm)) {
    errors.push({ file: match[1]!, line: Number(match[2]), message: match[3]! });
  }
  return errors;
}

/** Where a compiler error in a snippet's file is in the README (a prelude line maps to the fence). */
export function readmeLocation(snippet: ReadmeSnippet, fileLine: number): string {
  const preludeLines = snippet.prelude === '' ? 0 : snippet.prelude.split('\n').length;
  const offset = fileLine - preludeLines - 1;
  return offset < 0
    ? `${snippet.readme} prelude of block ${snippet.index}`
    : `${snippet.readme}:${snippet.line + offset}`;
}
