// Tree view: the supervision tree, live. Each SSE change re-reads /api/tree (coalesced), so a
// crash-looping child shows its restart count rising.
import { api, h } from '../lib.js';

const stateText = (value) =>
  value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);

function childRow(child) {
  const actor = child.actor;
  return h(
    'li',
    { class: `child ${child.status}`, 'data-child': child.id },
    h(
      'div',
      { class: 'row' },
      h('span', { class: `dot ${child.status}` }),
      child.type === 'worker'
        ? h('a', { href: `#/agent/${encodeURIComponent(child.name)}` }, child.id)
        : h('strong', {}, child.id),
      h('span', { class: 'status' }, child.status),
      h('span', { class: 'restarts', title: 'restarts' }, `restarts ${child.restarts}`),
      h('span', { class: 'muted' }, `inc ${child.incarnation}`),
      actor ? h('code', { class: 'state' }, stateText(actor.state)) : null,
      actor ? h('span', { class: 'muted' }, `mailbox ${actor.mailboxSize}`) : null,
      actor?.lastTransition
        ? h(
            'span',
            { class: 'muted' },
            `last: ${actor.lastTransition.event} at ${new Date(actor.lastTransition.at).toLocaleTimeString()}`,
          )
        : null,
      child.openEscalation
        ? h(
            'a',
            {
              class: 'tag warn',
              href: `#/escalations/${encodeURIComponent(child.openEscalation)}`,
            },
            'escalation open',
          )
        : null,
    ),
    child.supervisor ? supervisorBlock(child.supervisor) : null,
  );
}

function supervisorBlock(sup) {
  const { used, allowed, periodMs } = sup.intensity;
  return h(
    'div',
    { class: 'supervisor' },
    h(
      'div',
      { class: 'row head' },
      h('strong', {}, sup.id),
      h('span', { class: 'muted' }, sup.strategy),
      h(
        'span',
        { class: used >= allowed ? 'tag warn' : 'tag' },
        `intensity ${used}/${allowed} per ${periodMs / 1000}s`,
      ),
      h('span', { class: 'status' }, sup.status),
    ),
    h('ul', {}, sup.children.map(childRow)),
  );
}

export async function treeView(main, session) {
  const body = h('div', { id: 'tree' });
  main.append(h('h2', {}, 'Supervision tree'), body);
  const render = async () => {
    const { tree, openEscalations } = await api('/api/tree');
    body.replaceChildren(
      h('p', { class: 'muted' }, `${openEscalations} open escalation(s)`),
      supervisorBlock(tree),
    );
  };
  await render();
  let pending = false;
  session.listeners.add(() => {
    if (pending) return;
    pending = true;
    setTimeout(() => {
      pending = false;
      void render().catch(() => {});
    }, 100);
  });
}
