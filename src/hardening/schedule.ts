import { IConstruct } from 'constructs';
import type { CronExpressionParser as Parser } from 'cron-parser';
import { propError } from './errors';

/**
 * The macros the Kubernetes CronJob controller accepts (robfig/cron `ParseStandard`, as listed
 * in the Kubernetes CronJob documentation), with the 5-field expression each stands for.
 */
export const CRON_MACROS: { readonly [macro: string]: string } = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const FIELDS: { name: string; names?: string[] }[] = [
  { name: 'minute' },
  { name: 'hour' },
  { name: 'day of month' },
  { name: 'month', names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const EXAMPLE = 'e.g. "0 3 * * *" (every day at 03:00) or "@daily"';

/**
 * Refuses a schedule the Kubernetes CronJob controller would not accept, or that never fires.
 *
 * Kubernetes parses schedules with robfig/cron's standard parser: five fields (minute, hour,
 * day of month, month, day of week) with `*`, `?`, `,`, `-`, `/` and three-letter month and
 * day names, or one of `CRON_MACROS`. cron-parser accepts a superset (a seconds field, `L`,
 * `W`, `#`, `H`, day of week 7), so those are refused here first; cron-parser then checks the
 * ranges and that the schedule fires at all (a 30 February never comes).
 */
export function checkSchedule(scope: IConstruct, prop: string, schedule: string): void {
  if (typeof schedule !== 'string' || schedule.trim() === '') {
    throw propError(scope, prop, schedule, 'must be a cron expression', `write it like ${EXAMPLE}`);
  }
  const expr = schedule.trim();
  const fail = (problem: string, fix: string = `write a 5-field expression (minute hour day-of-month month day-of-week), ${EXAMPLE}`): never => {
    throw propError(scope, prop, schedule, problem, fix);
  };
  const tz = /^(CRON_)?TZ=(\S*)\s*(.*)$/.exec(expr);
  if (tz) {
    fail(`a ${tz[1] ?? ''}TZ= prefix is not supported by Kubernetes (the API server refuses it)`,
      `move the time zone to the timeZone prop: schedule: ${JSON.stringify(tz[3] || '0 3 * * *')}, timeZone: ${JSON.stringify(tz[2] || 'Europe/Berlin')}`);
  }
  if (expr.startsWith('@')) {
    if (CRON_MACROS[expr] !== undefined) return;
    if (expr.startsWith('@every')) {
      fail('"@every" intervals are not documented for Kubernetes CronJobs', 'write a 5-field expression, e.g. "*/5 * * * *" for every 5 minutes');
    }
    fail('not a macro Kubernetes accepts', `use one of ${Object.keys(CRON_MACROS).join(', ')}, or a 5-field expression`);
  }
  const fields = expr.split(/\s+/);
  if (fields.length === 6) {
    fail('has 6 fields; Kubernetes schedules have no seconds field', `drop the first (seconds) field: ${JSON.stringify(fields.slice(1).join(' '))}`);
  }
  if (fields.length !== 5) {
    fail(`has ${fields.length} field${fields.length === 1 ? '' : 's'}; Kubernetes schedules have exactly 5`);
  }
  fields.forEach((field, i) => {
    const f = FIELDS[i];
    const bad = /[^0-9a-zA-Z*?,/-]/.exec(field);
    if (bad) {
      fail(`the ${f.name} field ${JSON.stringify(field)} uses "${bad[0]}", which Kubernetes does not accept (no L, W, # or H extensions)`);
    }
    for (const part of field.split(',')) {
      for (const token of part.split(/[-/]/)) {
        if (/[a-zA-Z]/.test(token) && !(f.names ?? []).includes(token.toLowerCase())) {
          fail(`the ${f.name} field ${JSON.stringify(field)} has ${JSON.stringify(token)}, which Kubernetes does not accept`,
            f.names ? `use numbers or the three-letter names ${f.names.join(', ')}` : 'use numbers, "*", ",", "-" and "/" in this field');
        }
        if (i === 4 && /^\d+$/.test(token) && Number(token) > 6 && !part.includes(`/${token}`)) {
          fail(`the day of week field ${JSON.stringify(field)} uses ${token}; Kubernetes accepts 0-6 (0 is Sunday)`, 'write Sunday as 0 or "sun"');
        }
      }
    }
  });
  try {
    // Loaded on first use: only apps with a schedule pay for cron-parser (and luxon).
    const { CronExpressionParser } = require('cron-parser') as { CronExpressionParser: typeof Parser };
    CronExpressionParser.parse(fields.join(' '));
  } catch (e) {
    fail(`not a valid schedule (${(e as Error).message})`);
  }
}

/**
 * Refuses a time zone the CronJob controller cannot load. Kubernetes loads names from the IANA
 * time zone database (Go `time.LoadLocation`, case-sensitive); "Local" and UTC offsets are
 * refused by the API server.
 */
export function checkTimeZone(scope: IConstruct, prop: string, timeZone: string): void {
  const fix = 'use an IANA time zone name such as "Etc/UTC", "Europe/Berlin" or "America/New_York"';
  if (typeof timeZone !== 'string') throw propError(scope, prop, timeZone, 'must be a time zone name', fix);
  if (timeZone.toLowerCase() === 'local') {
    throw propError(scope, prop, timeZone, 'the controller\'s local time zone depends on the node it runs on', fix);
  }
  let known = false;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    known = true;
  } catch {
    known = false;
  }
  // IANA names start each segment with a capital letter; the database is case-sensitive.
  const supported: string[] = (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf('timeZone');
  const canonical = supported.find(z => z.toLowerCase() === timeZone.toLowerCase());
  if (canonical !== undefined && canonical !== timeZone) {
    throw propError(scope, prop, timeZone, 'time zone names are case-sensitive', `write ${JSON.stringify(canonical)}`);
  }
  if (!known || !/^[A-Z][A-Za-z0-9_+-]*(\/[A-Z][A-Za-z0-9_+-]*)*$/.test(timeZone)) {
    throw propError(scope, prop, timeZone, 'not a time zone of the IANA database', fix);
  }
}
