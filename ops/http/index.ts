/**
 * The operator's console HTTP API (issue 13): {@link serveConsole} serves the supervision tree,
 * actors, journals, reasoning chains, checkpoints, escalations (with decisions), alerts, metrics
 * and a server-sent-events stream of changes, with bearer-token roles and redacted answers.
 */
export { serveConsole } from './serveConsole.js';
export type { ServeConsoleOptions, ConsoleServer } from './serveConsole.js';
export type { ConsoleTarget, EmbeddedConsoleTarget } from './ConsoleTarget.js';
export type { ConsoleToken, ConsoleRole } from './internal/auth.js';
export { requestConsole } from './requestConsole.js';
export type { ConsoleEndpoint } from './requestConsole.js';
