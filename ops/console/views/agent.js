// Agent view: status, XState state, context (redacted by the API), checkpoints and the journal
// in three views — compact (repeated attempts of one step collapsed into a row with a count),
// timeline (one row per event with the time since the previous) and full (every event's data).
import { api, h, json, when } from '../lib.js';

/** The step an event belongs to: its id without the attempt/kind tail (`actor:step:kind`). */
const stepOf = (event) => `${event.kind}|${event.id.split(':').slice(0, 2).join(':')}`;

/** Consecutive events of the same kind and step become one row with a count (retries). */
export function compact(entries) {
  const rows = [];
  for (const entry of entries) {
    const last = rows.at(-1);
    if (last !== undefined && stepOf(last.entry.event) === stepOf(entry.event)) {
      last.count++;
      last.latest = entry;
    } else rows.push({ entry, latest: entry, count: 1 });
  }
  return rows;
}

const summary = (data) => {
  const text = JSON.stringify(data) ?? '';
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};
const isError = (event) => /error|fail/i.test(JSON.stringify(event.data) ?? '');

function journalTable(mode, entries) {
  if (entries.length === 0) return h('p', { class: 'muted' }, 'The journal is empty.');
  if (mode === 'full') {
    return h(
      'ol',
      { class: 'journal full' },
      entries.map((e) =>
        h(
          'li',
          {},
          h('div', {}, `#${e.seq} ${e.event.kind} ${e.event.id} · ${when(e.event.at)}`),
          json(e.event.data),
        ),
      ),
    );
  }
  if (mode === 'timeline') {
    let previous;
    return h(
      'table',
      { class: 'journal timeline' },
      h(
        'tr',
        {},
        ['seq', 'time', '+ms', 'kind', 'data'].map((t) => h('th', {}, t)),
      ),
      entries.map((e) => {
        const gap = previous === undefined ? 0 : e.event.at - previous;
        previous = e.event.at;
        return h(
          'tr',
          { class: isError(e.event) ? 'err' : '' },
          h('td', {}, e.seq),
          h('td', {}, when(e.event.at)),
          h('td', {}, `+${gap}`),
          h('td', {}, e.event.kind),
          h('td', {}, h('code', {}, summary(e.event.data))),
        );
      }),
    );
  }
  return h(
    'table',
    { class: 'journal compact' },
    h(
      'tr',
      {},
      ['seq', 'kind', 'step', 'data', ''].map((t) => h('th', {}, t)),
    ),
    compact(entries).map(({ entry, latest, count }) =>
      h(
        'tr',
        { class: isError(latest.event) ? 'err' : '' },
        h('td', {}, count > 1 ? `${entry.seq}–${latest.seq}` : entry.seq),
        h('td', {}, latest.event.kind),
        h('td', {}, latest.event.id),
        h('td', {}, h('code', {}, summary(latest.event.data))),
        h('td', {}, count > 1 ? h('span', { class: 'tag' }, `×${count}`) : ''),
      ),
    ),
  );
}

async function readJournal(name) {
  const entries = [];
  let from = 1;
  for (let page = 0; page < 20; page++) {
    let answer;
    try {
      answer = await api(`/api/actors/${encodeURIComponent(name)}/journal?from=${from}&limit=500`);
    } catch (error) {
      if (entries.length === 0 && error.status === 404) return { entries, missing: error.message };
      throw error;
    }
    entries.push(...answer.entries);
    if (answer.next === undefined) break;
    from = answer.next;
  }
  return { entries };
}

export async function agentView(main, session, name) {
  let mode = sessionStorage.getItem('agentvisor.console.journal') ?? 'compact';
  const header = h('div');
  const journal = h('div', { id: 'journal' });
  const tabs = h('div', { class: 'tabs' });
  main.append(h('h2', {}, `Agent ${name}`), header, h('h3', {}, 'Journal'), tabs, journal);
  const render = async () => {
    const [{ actor }, { entries, missing }] = await Promise.all([
      api(`/api/actors/${encodeURIComponent(name)}`),
      readJournal(name).catch((error) => ({ entries: [], missing: error.message })),
    ]);
    header.replaceChildren(
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'status'),
        h('dd', { id: 'agent-status' }, actor.status),
        h('dt', {}, 'state'),
        h('dd', {}, h('code', {}, JSON.stringify(actor.state) ?? '—')),
        h('dt', {}, 'incarnation'),
        h('dd', {}, actor.incarnation),
        h('dt', {}, 'processed'),
        h('dd', {}, actor.processed),
        h('dt', {}, 'mailbox'),
        h('dd', {}, actor.mailboxSize),
        h('dt', {}, 'durable'),
        h('dd', {}, actor.durable ? 'yes' : 'no'),
      ),
      h('h3', {}, 'Context (secrets redacted)'),
      json(actor.context),
    );
    tabs.replaceChildren(
      ...['compact', 'timeline', 'full'].map((m) =>
        h(
          'button',
          {
            class: m === mode ? 'active' : '',
            'data-mode': m,
            onclick: () => {
              mode = m;
              sessionStorage.setItem('agentvisor.console.journal', m);
              void render();
            },
          },
          m,
        ),
      ),
    );
    journal.replaceChildren(
      missing ? h('p', { class: 'muted' }, missing) : journalTable(mode, entries),
    );
  };
  await render();
  session.listeners.add((event, data) => {
    if (data?.name === name || data?.child === name || data?.child?.name === name)
      void render().catch(() => {});
  });
}
