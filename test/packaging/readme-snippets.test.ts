import { describe, expect, it } from 'vitest';
import { extractSnippets, readmeLocation, snippetFileName, snippetSource } from './readme-snippets.js';

const readme = [
  '# pkg', //                                                   1
  '', //                                                        2
  '```ts', //                                                   3
  "import { a } from 'a';", //                                  4
  '```', //                                                     5
  '', //                                                        6
  '<!-- snippet: prelude', //                                   7
  'declare const db: number;', //                               8
  '-->', //                                                     9
  '', //                                                        10
  '```typescript', //                                           11
  'db + 1;', //                                                 12
  '```', //                                                     13
  '<!-- snippet: no-compile overview with elided options -->', // 14
  '```ts', //                                                   15
  'f({ … });', //                                               16
  '```', //                                                     17
  '```sh', //                                                   18
  'npm i x', //                                                 19
  '```', //                                                     20
  '- a list item:', //                                          21
  '  ```ts', //                                                 22
  '  const indented = 1;', //                                   23
  '  ```', //                                                   24
].join('\n');

describe('extractSnippets', () => {
  const snippets = extractSnippets('packages/x/README.md', readme);

  it('finds ts and typescript blocks, not sh, and strips the fence indentation', () => {
    expect(snippets.map((s) => [s.index, s.line, s.code])).toEqual([
      [1, 4, "import { a } from 'a';"],
      [2, 12, 'db + 1;'],
      [3, 16, 'f({ … });'],
      [4, 23, 'const indented = 1;'],
    ]);
  });

  it('reads a prelude over several lines and a no-compile reason from the comment before the fence', () => {
    expect(snippets[0]).toMatchObject({ prelude: '' });
    expect(snippets[0]).not.toHaveProperty('skipReason');
    expect(snippets[1]).toMatchObject({ prelude: 'declare const db: number;' });
    expect(snippets[2]).toMatchObject({ prelude: '', skipReason: 'overview with elided options' });
  });

  it('names files after the README and maps compiler lines back to README lines', () => {
    expect(snippetFileName(snippets[1]!)).toBe('packages-x-README-2.ts');
    expect(snippetSource(snippets[1]!)).toBe('declare const db: number;\ndb + 1;\n');
    expect(readmeLocation(snippets[1]!, 2)).toBe('packages/x/README.md:12');
    expect(readmeLocation(snippets[1]!, 1)).toBe('packages/x/README.md prelude of block 2');
  });

  it('rejects a no-compile marker without a reason and an unclosed block', () => {
    expect(() => extractSnippets('R.md', '<!-- snippet: no-compile -->\n```ts\nx\n```')).toThrow(
      /needs a reason/,
    );
    expect(() => extractSnippets('R.md', '```ts\nx')).toThrow(/R\.md:1: .*never closed/);
  });
});
