// Escalations: the inbox (open first, live over SSE) and one escalation with everything needed
// to decide — error chain, restart history, failure class, failed message, journal tail, last
// checkpoint, what each decision does, the deadline and its default — and the decision forms
// (operators only: a viewer's page has no decide buttons, and the API refuses its POST).
import { api, duration, errorBox, h, json, when } from '../lib.js';

const ageOf = (e) => duration(Date.now() - e.raisedAt);
const dueIn = (e) =>
  e.dueAt === null || !Number.isFinite(e.dueAt) ? 'never' : duration(e.dueAt - Date.now());
const firstError = (e) => e.errorChain?.[0]?.message ?? '';

export async function inboxView(main, session) {
  const list = h('div', { id: 'inbox' });
  main.append(h('h2', {}, 'Escalations'), list);
  const render = async () => {
    const { escalations } = await api('/api/escalations');
    const sorted = [...escalations].sort((a, b) =>
      a.status === b.status ? b.raisedAt - a.raisedAt : a.status === 'open' ? -1 : 1,
    );
    list.replaceChildren(
      sorted.length === 0 ? h('p', { class: 'muted' }, 'Nothing to decide.') : '',
      h(
        'table',
        {},
        h(
          'tr',
          {},
          [
            '',
            'child',
            'supervisor',
            'class',
            'error',
            'raised',
            'due in',
            'default / decision',
          ].map((t) => h('th', {}, t)),
        ),
        sorted.map((e) =>
          h(
            'tr',
            { class: `escalation ${e.status}`, 'data-id': e.id },
            h('td', {}, h('span', { class: `tag ${e.status === 'open' ? 'warn' : ''}` }, e.status)),
            h('td', {}, h('a', { href: `#/escalations/${encodeURIComponent(e.id)}` }, e.child.id)),
            h('td', {}, e.supervisor),
            h('td', {}, e.failureClass),
            h('td', {}, firstError(e)),
            h('td', {}, `${ageOf(e)} ago`),
            h('td', {}, e.status === 'open' ? dueIn(e) : '—'),
            h(
              'td',
              {},
              e.status === 'open'
                ? e.defaultDecision
                : `${e.resolution.decision.type} by ${e.resolution.by ?? e.resolution.decidedBy}`,
            ),
          ),
        ),
      ),
    );
  };
  await render();
  session.listeners.add((event) => {
    if (event.startsWith('escalation')) void render().catch(() => {});
  });
}

/** The form of one decision: its fields, and how they become the decision's body. */
const FORMS = {
  retry: { fields: [], build: () => ({ type: 'retry' }) },
  resume: {
    fields: [['context', 'Edited context (JSON, merged over the restored one)']],
    build: (values) => {
      const text = values.context.trim();
      return text === ''
        ? { type: 'resume' }
        : { type: 'resume', context: parseJson(text, 'context') };
    },
  },
  skip: {
    fields: [['result', 'Result to answer the failed message with (JSON)']],
    build: (values) => ({
      type: 'skip',
      result: parseJson(values.result.trim() || 'null', 'result'),
    }),
  },
  'restart-fresh': { fields: [], build: () => ({ type: 'restart-fresh' }) },
  stop: { fields: [], build: () => ({ type: 'stop' }) },
};

function parseJson(text, field) {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw Object.assign(new Error(`Not JSON: ${error.message}`), {
      code: 'INVALID_JSON',
      path: `decision.${field}`,
    });
  }
}

function decisionForms(record, effects, restored, onDone) {
  const result = h('div', { id: 'decision-result' });
  const by = h('input', {
    name: 'by',
    placeholder: 'your name',
    value: sessionStorage.getItem('agentvisor.console.by') ?? '',
  });
  const note = h('input', { name: 'note', placeholder: 'note (why)', size: 40 });
  const forms = Object.entries(FORMS).map(([type, form]) => {
    const inputs = Object.fromEntries(
      form.fields.map(([name]) => [
        name,
        h('textarea', {
          name,
          rows: 8,
          cols: 60,
          spellcheck: 'false',
          value: name === 'context' ? JSON.stringify(restored ?? {}, null, 2) : '',
        }),
      ]),
    );
    const problem = h('div', { class: 'field-error' });
    for (const [name, area] of Object.entries(inputs)) {
      area.addEventListener('input', () => {
        problem.replaceChildren();
        try {
          if (area.value.trim() !== '') JSON.parse(area.value);
          area.classList.remove('invalid');
        } catch (error) {
          area.classList.add('invalid');
          problem.append(`${name}: ${error.message}`);
        }
      });
    }
    return h(
      'form',
      {
        class: `decision ${type}`,
        'data-decision': type,
        onsubmit: async (event) => {
          event.preventDefault();
          result.replaceChildren();
          try {
            const decision = form.build(
              Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.value])),
            );
            sessionStorage.setItem('agentvisor.console.by', by.value);
            const body = {
              decision,
              ...(by.value ? { by: by.value } : {}),
              ...(note.value ? { note: note.value } : {}),
            };
            await api(`/api/escalations/${encodeURIComponent(record.id)}/decision`, body);
            result.append(h('p', { class: 'ok' }, `Decided: ${type}.`));
            onDone();
          } catch (error) {
            result.append(errorBox(error));
          }
        },
      },
      h('h4', {}, type),
      h('p', { class: 'muted' }, effects[type] ?? ''),
      form.fields.map(([name, label]) => h('label', {}, label, inputs[name])),
      problem,
      h('button', { type: 'submit', class: type === 'stop' ? 'danger' : '' }, type),
    );
  });
  return h(
    'section',
    { class: 'decide' },
    h('h3', {}, 'Decide'),
    h('div', { class: 'who' }, by, note),
    h('div', { class: 'forms' }, forms),
    result,
  );
}

export async function escalationView(main, session, id) {
  const body = h('div', { id: 'escalation' });
  main.append(body);
  let timer;
  const render = async () => {
    clearInterval(timer);
    const detail = await api(`/api/escalations/${encodeURIComponent(id)}`);
    const e = detail.escalation;
    const restored = e.lastCheckpoint?.snapshot?.context;
    const countdown = h('span', { id: 'countdown' }, dueIn(e));
    if (e.status === 'open') timer = setInterval(() => (countdown.textContent = dueIn(e)), 1000);
    body.replaceChildren(
      h('h2', {}, `Escalation ${e.id}`),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'status'),
        h('dd', { id: 'escalation-status' }, e.status),
        h('dt', {}, 'child'),
        h(
          'dd',
          {},
          h(
            'a',
            { href: `#/agent/${encodeURIComponent(e.child.name)}` },
            `${e.child.id} (${e.child.name}, incarnation ${e.child.incarnation})`,
          ),
        ),
        h('dt', {}, 'supervisor'),
        h('dd', {}, e.supervisor),
        h('dt', {}, 'failure class'),
        h('dd', {}, e.failureClass),
        h('dt', {}, 'raised'),
        h('dd', {}, when(e.raisedAt)),
        h('dt', {}, 'deadline'),
        h(
          'dd',
          {},
          e.status === 'open'
            ? ['in ', countdown, `, then the default: ${e.defaultDecision}`]
            : '—',
        ),
        e.resolution
          ? [
              h('dt', {}, 'decision'),
              h(
                'dd',
                { id: 'resolution' },
                `${e.resolution.decision.type} by ${e.resolution.by ?? e.resolution.decidedBy} at ${when(e.resolution.decidedAt)}${e.resolution.note ? ` — ${e.resolution.note}` : ''}`,
              ),
            ]
          : null,
      ),
      h('h3', {}, 'Error chain'),
      h(
        'ol',
        { class: 'chain' },
        (e.errorChain ?? []).map((err) =>
          h('li', {}, h('code', {}, err.code ?? err.name ?? 'Error'), ' ', err.message),
        ),
      ),
      h('h3', {}, 'Restart history'),
      (e.restartHistory ?? []).length === 0
        ? h('p', { class: 'muted' }, 'No restarts in the window.')
        : h(
            'ul',
            {},
            e.restartHistory.map((t) => h('li', {}, when(t))),
          ),
      h('h3', {}, 'Failed message'),
      json(e.failedMessage ?? null),
      h('h3', {}, 'Last checkpoint'),
      json(detail.latestCheckpoint ?? e.lastCheckpoint ?? null),
      h('h3', {}, 'Journal tail'),
      h(
        'table',
        { class: 'journal' },
        detail.journalTail.map((j) =>
          h(
            'tr',
            {},
            h('td', {}, j.seq),
            h('td', {}, j.event.kind),
            h('td', {}, j.event.id),
            h('td', {}, h('code', {}, JSON.stringify(j.event.data)?.slice(0, 140) ?? '')),
          ),
        ),
      ),
      h('h3', {}, 'What each decision does'),
      h(
        'dl',
        { class: 'effects' },
        Object.entries(detail.decisions).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
      ),
      e.status === 'open' && session.operator
        ? decisionForms(e, detail.decisions, restored, () => void render())
        : '',
      e.status === 'open' && !session.operator
        ? h(
            'p',
            { class: 'muted' },
            'Your token is a viewer token: you can read this escalation but not decide it.',
          )
        : '',
    );
  };
  await render();
  session.listeners.add((event, data) => {
    if (event.startsWith('escalation') && data?.id === id) void render().catch(() => {});
  });
  return () => clearInterval(timer);
}
