// Alerts view: firing first, then resolved.
import { api, ApiError, h, when } from '../lib.js';

export async function alertsView(main) {
  main.append(h('h2', {}, 'Alerts'));
  let alerts;
  try {
    ({ alerts } = await api('/api/alerts'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      main.append(h('p', { class: 'muted' }, 'This console has no alert store.'));
      return;
    }
    throw error;
  }
  if (alerts.length === 0) main.append(h('p', { class: 'muted' }, 'No alerts.'));
  const sorted = [...alerts].sort((a, b) =>
    a.status === b.status ? 0 : a.status === 'firing' ? -1 : 1,
  );
  main.append(
    h(
      'table',
      {},
      h(
        'tr',
        {},
        ['alert', 'severity', 'status', 'since', 'summary'].map((t) => h('th', {}, t)),
      ),
      sorted.map((a) =>
        h(
          'tr',
          { class: a.status },
          h('td', {}, a.name ?? a.alertname ?? a.labels?.alertname ?? a.id),
          h('td', {}, a.severity ?? a.labels?.severity ?? ''),
          h('td', {}, a.status),
          h('td', {}, when(a.startsAt ?? a.firedAt ?? a.since)),
          h('td', {}, a.summary ?? a.annotations?.summary ?? ''),
        ),
      ),
    ),
  );
}
