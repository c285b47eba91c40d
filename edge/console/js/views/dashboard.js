// The dashboard (admin): GET /v1/analytics/summary and /v1/analytics/clients over the last
// 7, 30 or 90 days. Each chart has a table with the same numbers beside it.
import { barChart, rankedBars } from '../charts.js';
import { fill, h, latestOnly, loading, selectField } from '../dom.js';
import { errorBox } from '../errors.js';
import { recordQuery } from '../router.js';
import { request } from '../session.js';

const RANGES = [['7', 'Last 7 days'], ['30', 'Last 30 days'], ['90', 'Last 90 days']];
// [key, name, short column heading]
const METHODS = [['password', 'Password', 'Password'], ['mfa', 'Password + second factor', 'MFA'],
  ['passkey', 'Passkey', 'Passkey'], ['provider', 'Other provider', 'Provider'], ['client', 'To an OAuth client', 'Client']];
const SERIES = [
  ['sign_ups', 'Sign-ups', (day) => day.sign_ups],
  ['sign_ins', 'Sign-ins', (day) => Object.values(day.sign_ins).reduce((sum, n) => sum + n, 0)],
  ['failed_sign_ins', 'Failed sign-ins', (day) => day.failed_sign_ins],
  ['active_users', 'Active users', (day) => day.active_users],
  ['new_sessions', 'New sessions', (day) => day.new_sessions],
];

const isoDay = (date) => date.toISOString().slice(0, 10);
const shortDay = (iso) => iso.slice(5);  // MM-DD

function range(days) {
  const to = new Date();
  const from = new Date(to.getTime() - (Number(days) - 1) * 86400000);
  return { from: isoDay(from), to: isoDay(to) };
}

function table(caption, head, rows) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data compact' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, head.map((text) => h('th', { scope: 'col' }, text)))),
    h('tbody', {}, rows.map(([first, ...rest]) => h('tr', {}, h('th', { scope: 'row' }, first),
      rest.map((value) => h('td', { class: 'number' }, String(value))))))));
}

function totalsCard(totals) {
  const share = totals.users ? Math.round((100 * totals.mfa_enabled) / totals.users) : 0;
  const items = [['Accounts', totals.users], ['Active, 7 days', totals.active_users_7d],
    ['Active, 30 days', totals.active_users_30d], ['With MFA', `${totals.mfa_enabled} (${share} %)`],
    ['Passkeys', totals.passkeys]];
  return h('dl', { class: 'totals' }, items.map(([name, value]) =>
    h('div', { class: 'card total' }, h('dt', {}, name), h('dd', {}, String(value)))));
}

function seriesSection(days, [key, title, value]) {
  const points = days.map((day) => [shortDay(day.date), value(day)]);
  const total = points.reduce((sum, [, n]) => sum + n, 0);
  const rows = key === 'sign_ins'
    ? days.map((day) => [day.date, ...METHODS.map(([method]) => day.sign_ins[method]), value(day)])
    : days.map((day) => [day.date, value(day)]);
  const head = key === 'sign_ins' ? ['Day', ...METHODS.map(([, , heading]) => heading), 'All'] : ['Day', title];
  return h('section', { class: 'card chart-card', 'aria-labelledby': `chart-${key}` },
    h('h2', { id: `chart-${key}` }, title),
    h('p', { class: 'muted' }, `${total} over the range`),
    h('div', { class: 'chart-pair' },
      h('figure', {}, barChart({ title: `${title} per day`, points })),
      h('div', { class: 'chart-numbers', tabindex: '0', role: 'region', 'aria-label': `${title}: numbers per day` },
        table(`${title} per day`, head, rows))));
}

function methodsSection(days) {
  const points = METHODS.map(([method, name]) => [name, days.reduce((sum, day) => sum + day.sign_ins[method], 0)]);
  return h('section', { class: 'card chart-card', 'aria-labelledby': 'chart-methods' },
    h('h2', { id: 'chart-methods' }, 'Sign-ins by method'),
    h('div', { class: 'chart-pair' },
      h('figure', {}, rankedBars({ title: 'Sign-ins by method over the range', points })),
      table('Sign-ins by method', ['Method', 'Sign-ins'], points)));
}

function clientsSection(clients) {
  return h('section', { class: 'card', 'aria-labelledby': 'chart-clients' },
    h('h2', { id: 'chart-clients' }, 'Sign-ins per OAuth client'),
    clients.length
      ? table('Sign-ins per OAuth client', ['Client', 'Sign-ins'], clients.map((c) => [c.client_id, c.sign_ins]))
      : h('p', { class: 'muted' }, 'No sign-ins through OAuth clients in this range.'));
}

export function dashboardView({ outlet, query }) {
  document.title = 'Dashboard · usersvc';
  let days = RANGES.some(([value]) => value === query.days) ? query.days : '30';
  const picker = selectField({ label: 'Range', name: 'days', value: days, options: RANGES });
  const results = h('div', { class: 'results dashboard' }, loading('Loading the figures…'));
  outlet.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Dashboard'), picker), results);

  const load = latestOnly(results, {
    fetch: () => Promise.all([
      request('GET', '/v1/analytics/summary', { query: range(days) }),
      request('GET', '/v1/analytics/clients', { query: range(days) }),
    ]),
    show: ([summary, clients]) => fill(results,
      h('p', { class: 'muted' }, `${summary.data.days[0].date} to ${summary.data.days.at(-1).date} (UTC). `,
        'Figures follow the audit trail within a few seconds.'),
      totalsCard(summary.data.totals),
      SERIES.map((series) => seriesSection(summary.data.days, series)),
      methodsSection(summary.data.days),
      clientsSection(clients.data.clients)),
    fail: (error) => results.replaceChildren(errorBox(error)),
  });

  picker.querySelector('select').addEventListener('change', (event) => {
    days = event.target.value;
    recordQuery('/dashboard', days === '30' ? {} : { days });
    load();
  });
  load();
}
