// Metrics: /metrics (Prometheus text) polled every 2 s into four uPlot charts — message rate,
// mean processing latency, restarts, and cost per processed message.
import uPlot from '../uPlot.esm.js';
import { ApiError, h, metricsText } from '../lib.js';

/** Sums each metric's samples (all labels) from Prometheus text: `name` → total. */
export function sums(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match === null) continue;
    const value = Number(match[3]);
    if (Number.isFinite(value)) out.set(match[1], (out.get(match[1]) ?? 0) + value);
  }
  return out;
}

const CHARTS = [
  ['rate', 'Messages processed per second', (d) => d.messages / d.dt],
  [
    'latency',
    'Mean processing latency (ms)',
    (d) => (d.count > 0 ? (1000 * d.seconds) / d.count : null),
  ],
  ['restarts', 'Restarts (total)', (d) => d.restarts],
  [
    'cost',
    'Cost per processed message (USD)',
    (d) => (d.messages > 0 ? d.cost / d.messages : null),
  ],
];

export async function metricsView(main) {
  main.append(h('h2', {}, 'Metrics'));
  try {
    await metricsText();
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      main.append(h('p', { class: 'muted' }, 'This console has no Prometheus registry to read.'));
      return;
    }
    throw error;
  }
  const grid = h('div', { class: 'charts' });
  main.append(grid);
  const times = [];
  const series = CHARTS.map(() => []);
  const plots = CHARTS.map(([key, title]) => {
    const box = h('div', { class: 'chart', 'data-chart': key });
    grid.append(box);
    return new uPlot(
      {
        title,
        width: 460,
        height: 200,
        series: [{}, { label: key, stroke: '#2f6fdd', width: 2, spanGaps: true }],
      },
      [[], []],
      box,
    );
  });
  let previous;
  const sample = async () => {
    const now = Date.now() / 1000;
    const m = sums(await metricsText());
    const current = {
      at: now,
      messages: m.get('agentvisor_messages_processed_total') ?? 0,
      seconds: m.get('agentvisor_message_processing_seconds_sum') ?? 0,
      count: m.get('agentvisor_message_processing_seconds_count') ?? 0,
      restarts:
        (m.get('agentvisor_restarts_total') ?? 0) +
        (m.get('agentvisor_supervisor_restarts_total') ?? 0),
      cost: m.get('agentvisor_cost_usd_total') ?? 0,
    };
    if (previous !== undefined) {
      const d = {
        dt: Math.max(current.at - previous.at, 0.001),
        messages: current.messages - previous.messages,
        seconds: current.seconds - previous.seconds,
        count: current.count - previous.count,
        restarts: current.restarts,
        cost: current.cost - previous.cost,
      };
      times.push(now);
      CHARTS.forEach(([, , value], i) => series[i].push(value(d)));
      if (times.length > 300) {
        times.shift();
        for (const s of series) s.shift();
      }
      plots.forEach((plot, i) => plot.setData([times, series[i]]));
    }
    previous = current;
  };
  await sample();
  const timer = setInterval(() => void sample().catch(() => {}), 2000);
  return () => clearInterval(timer);
}
