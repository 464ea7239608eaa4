// The console's shell: token, role, navigation and the live event stream; each view renders
// itself into <main> and may re-render on events (views/*.js).
import { api, ApiError, errorBox, h, mayDecide, readToken, saveToken, subscribe } from './lib.js';
import { alertsView } from './views/alerts.js';
import { agentView } from './views/agent.js';
import { clusterView } from './views/cluster.js';
import { escalationView, inboxView } from './views/escalations.js';
import { metricsView } from './views/metrics.js';
import { treeView } from './views/tree.js';

const main = document.getElementById('view');
const live = document.getElementById('live');
const badge = document.getElementById('inbox-count');
const session = { operator: false, listeners: new Set() };

const routes = [
  [/^#\/tree$/, () => treeView],
  [/^#\/cluster$/, () => clusterView],
  [/^#\/agent\/(.+)$/, () => agentView],
  [/^#\/escalations$/, () => inboxView],
  [/^#\/escalations\/(.+)$/, () => escalationView],
  [/^#\/alerts$/, () => alertsView],
  [/^#\/metrics$/, () => metricsView],
];

let cleanup = () => {};
async function route() {
  cleanup();
  cleanup = () => {};
  session.listeners.clear();
  const hash = location.hash === '' ? '#/tree' : location.hash;
  for (const link of document.querySelectorAll('nav a')) {
    link.classList.toggle('active', hash.startsWith(link.getAttribute('href')));
  }
  const match = routes.map(([re, view]) => [re.exec(hash), view]).find(([m]) => m !== null);
  main.replaceChildren();
  if (match === undefined) {
    main.append(h('p', {}, 'No such view.'));
    return;
  }
  const [m, view] = match;
  try {
    const done = await view()(main, session, ...m.slice(1).map(decodeURIComponent));
    if (typeof done === 'function') cleanup = done;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return askToken(error);
    main.append(errorBox(error));
  }
}

function askToken(error) {
  const input = h('input', {
    type: 'password',
    name: 'token',
    placeholder: 'bearer token',
    size: 40,
  });
  main.replaceChildren(
    h(
      'form',
      {
        class: 'token',
        onsubmit: (event) => {
          event.preventDefault();
          saveToken(input.value.trim());
          location.reload();
        },
      },
      h('h2', {}, 'Sign in'),
      error ? errorBox(error) : null,
      h('p', {}, 'Paste a viewer or operator token (kept in this tab only).'),
      input,
      h('button', { type: 'submit' }, 'Open the console'),
    ),
  );
}

async function refreshBadge() {
  try {
    const { escalations } = await api('/api/escalations?status=open');
    badge.textContent = escalations.length === 0 ? '' : String(escalations.length);
  } catch {
    badge.textContent = '';
  }
}

readToken();
session.operator = await mayDecide();
document.getElementById('role').textContent = session.operator ? 'operator' : 'viewer';
document.body.classList.toggle('viewer', !session.operator);
subscribe(
  (event, data) => {
    if (event.startsWith('escalation')) void refreshBadge();
    for (const listener of session.listeners) listener(event, data);
  },
  (state) => {
    live.textContent = state;
    live.className = state;
  },
);
void refreshBadge();
addEventListener('hashchange', () => void route());
await route();
