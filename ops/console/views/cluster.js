// Cluster view: this node, its members, units, placements and epochs (when the console serves a
// cluster node); an embedded system says it has none.
import { api, ApiError, h, json } from '../lib.js';

export async function clusterView(main) {
  main.append(h('h2', {}, 'Cluster'));
  let answer;
  try {
    answer = await api('/api/nodes');
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      main.append(
        h('p', { class: 'muted' }, 'This console serves an embedded system, not a cluster node.'),
      );
      return;
    }
    throw error;
  }
  const { node, members } = answer;
  const placements = node.placements ?? node.units ?? [];
  main.append(
    h('h3', {}, 'This node'),
    json(node),
    h('h3', {}, `Members (${members.length})`),
    h(
      'table',
      {},
      h('tr', {}, h('th', {}, 'node'), h('th', {}, 'status'), h('th', {}, 'details')),
      members.map((m) =>
        h(
          'tr',
          {},
          h('td', {}, m.id ?? m.nodeId ?? m.name ?? '?'),
          h('td', {}, m.status ?? m.state ?? ''),
          h('td', {}, json(m)),
        ),
      ),
    ),
    Array.isArray(placements) && placements.length > 0
      ? [h('h3', {}, 'Units and placements'), json(placements)]
      : null,
  );
}
