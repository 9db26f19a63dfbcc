import type { PluginActivity } from './clients/app-db.js';
import type { ScenarioResult, SideResult } from './scenario.js';
import { formatMs } from './timing.js';

/** How a cell line should look; each renderer maps it to colour (terminal) or plain text (Markdown). */
export type Tone = 'good' | 'bad' | 'warn' | 'plain' | 'dim';

export interface CellLine {
  readonly text: string;
  readonly tone: Tone;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * The lines of one side's cell: whether it met its expectation, the errors that reached the
 * application, what it saw, what the client printed, and the time. Shared by the terminal and Markdown tables.
 */
export function describeSide(result: SideResult): CellLine[] {
  // The mark says whether the row did what it is there to show: for goneaway its expectation held
  // (✔) or not (✖); for bare knex the failure showed up (✖, the expected control) or not this run (⚠).
  const mark =
    result.side === 'goneaway'
      ? result.met
        ? { text: '✔', tone: 'good' as const }
        : { text: '✖ NOT AS EXPECTED:', tone: 'bad' as const }
      : result.met
        ? { text: '✖', tone: 'bad' as const }
        : { text: '⚠ did not fail this run:', tone: 'warn' as const };
  const first = result.errors.first;
  const errors =
    result.errors.count === 0
      ? '0 errors'
      : `${plural(result.errors.count, 'error')}: ${first?.code ?? '?'}${first?.message ? ` "${first.message}"` : ''}`;
  const lines: CellLine[] = [{ text: `${mark.text} ${errors}`, tone: mark.tone }];
  if (result.crashed !== undefined) lines.push({ text: `demo error: ${result.crashed}`, tone: 'bad' });
  lines.push({ text: result.saw, tone: 'plain' });
  const did = describeActivity(result.activity);
  if (did) lines.push({ text: did, tone: 'dim' });
  if (result.noise.count > 0) {
    lines.push({
      text: `printed ${plural(result.noise.count, 'line')}: "${result.noise.first ?? ''}"`,
      tone: 'bad',
    });
  }
  lines.push({
    text: `${formatMs(result.durationMs)}${result.noise.count === 0 ? ' · nothing printed' : ''}`,
    tone: 'dim',
  });
  return lines;
}

/** "goneaway: 2 evictions (idle-limit), 1 retry": what the plugin did that the application never saw. */
export function describeActivity(activity: PluginActivity | undefined): string | undefined {
  if (!activity) return undefined;
  const parts: string[] = [];
  const evicted = Object.values(activity.evictions).reduce((sum, count) => sum + count, 0);
  if (evicted > 0) {
    const reasons = Object.keys(activity.evictions).join(', ');
    parts.push(`${plural(evicted, 'eviction')} (${reasons})`);
  }
  if (activity.retries > 0) parts.push(plural(activity.retries, 'retry').replace('retrys', 'retries'));
  if (activity.packetsRejected > 0) parts.push(`${activity.packetsRejected} packet rejected`);
  return parts.length > 0 ? `goneaway did: ${parts.join(', ')}` : undefined;
}

export const LEGEND =
  '✔ goneaway met its expectation · ✖ in the bare column: the failure showed up (the expected control) · ⚠ bare did not fail this run';

export function verdictText(result: ScenarioResult): string {
  switch (result.verdict) {
    case 'better':
      return 'goneaway better';
    case 'same':
      return 'same';
    case 'worse':
      return 'goneaway WORSE';
    case 'skipped':
      return 'skipped';
  }
}
