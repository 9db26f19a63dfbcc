import { SEVERITIES, type Severity } from './doctor-report.js';

/** The most serious of `severities` (`ok` for none). */
export function worstSeverity(severities: Iterable<Severity>): Severity {
  let worst: Severity = 'ok';
  for (const severity of severities) {
    if (SEVERITIES.indexOf(severity) > SEVERITIES.indexOf(worst)) worst = severity;
  }
  return worst;
}
