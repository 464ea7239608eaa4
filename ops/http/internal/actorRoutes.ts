import type { Hono } from 'hono';
import { z } from 'zod';
import {
  ErrorCode,
  RuntimeError,
  forkCheckpoint,
  isActorTemplate,
  parseOptions,
  type ActorTemplate,
} from 'agentvisor/internal';
import { readReasoningChain } from 'agentvisor/actors';
import type { Supervisor } from 'agentvisor/supervisors';
import type { AnyActorLogic } from 'xstate';
import type { ConsoleSources } from '../ConsoleTarget.js';
import { requestError } from './httpError.js';
import { readJsonBody } from './readJsonBody.js';
import type { Transitions } from './Transitions.js';
import { stateValue } from './treeView.js';

const JournalQuerySchema = z.strictObject({
  from: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

const ForkBodySchema = z.strictObject({
  name: z.string().min(1).max(512),
  revision: z.number().int().nonnegative().optional(),
  context: z.record(z.string(), z.unknown()).optional(),
});

/** Entries of a journal page when `limit` is not given. */
const DEFAULT_PAGE = 100;

/**
 * `GET /api/actors`, `GET /api/actors/:name`, `GET /api/actors/:name/journal?from=&limit=`,
 * `GET /api/actors/:name/reasoning`, `GET|POST /api/actors/:name/checkpoints`,
 * `POST /api/actors/:name/fork` (`{ name, revision?, context? }`) and `POST
 * /api/actors/:name/stop`.
 */
export function actorRoutes(
  app: Hono,
  sources: ConsoleSources,
  transitions: Transitions,
  maxBodyBytes: number,
): void {
  const { system } = sources;
  const persistence = () => {
    if (sources.persistence === undefined) {
      throw requestError(
        ErrorCode.RouteNotFound,
        'This console has no journal or checkpoint store: pass `persistence` in the target',
      );
    }
    return sources.persistence;
  };
  const view = (name: string) => {
    const info = system.describe(name);
    if (info === undefined) return undefined;
    const last = transitions.of(name);
    return {
      ...info,
      durable: system.isDurable(name),
      state: stateValue(system, name),
      ...(last === undefined ? {} : { lastTransition: last }),
    };
  };

  app.get('/api/actors', (c) => c.json({ actors: system.list().map((a) => view(a.name)) }));

  app.get('/api/actors/:name', (c) => {
    const name = c.req.param('name');
    const actor = view(name);
    if (actor === undefined) throw actorNotFound(name);
    const snapshot = system.getSnapshot(name) as { context?: unknown } | undefined;
    return c.json({ actor: { ...actor, context: snapshot?.context } });
  });

  app.get('/api/actors/:name/journal', async (c) => {
    const name = c.req.param('name');
    const query = parseOptions(JournalQuerySchema, c.req.query(), 'journal query');
    const { journal } = persistence();
    const lastSeq = await journal.lastSeq(name);
    if (lastSeq === 0 && system.describe(name) === undefined) throw actorNotFound(name);
    const from = query.from ?? 1;
    const limit = query.limit ?? DEFAULT_PAGE;
    if (from > Math.max(lastSeq, 1)) {
      throw new RuntimeError(
        ErrorCode.JournalRange,
        `The journal of ${name} ends at ${lastSeq}; a page from ${from} is past its end`,
        {
          details: {
            actor: name,
            from,
            lastSeq,
            issues: [{ path: 'from', message: 'past the end' }],
          },
        },
      );
    }
    const entries = await journal.read(name, from - 1, { limit });
    const last = entries.at(-1)?.seq;
    const next = last !== undefined && last < lastSeq ? last + 1 : undefined;
    return c.json({
      actor: name,
      from,
      limit,
      lastSeq,
      entries,
      ...(next === undefined ? {} : { next }),
    });
  });

  app.get('/api/actors/:name/reasoning', async (c) => {
    const name = c.req.param('name');
    const { journal } = persistence();
    if ((await journal.lastSeq(name)) === 0 && system.describe(name) === undefined) {
      throw actorNotFound(name);
    }
    return c.json({ chain: await readReasoningChain(journal, name) });
  });

  app.get('/api/actors/:name/checkpoints', async (c) => {
    const name = c.req.param('name');
    const checkpoints = await persistence().store.list(name);
    if (checkpoints.length === 0 && system.describe(name) === undefined) throw actorNotFound(name);
    return c.json({ actor: name, checkpoints });
  });

  app.post('/api/actors/:name/checkpoints', async (c) => {
    const name = c.req.param('name');
    await readJsonBody(c, maxBodyBytes);
    if (system.describe(name) === undefined) throw actorNotFound(name);
    const revision = await system.checkpoint(name);
    return c.json({ actor: name, revision }, 201);
  });

  app.post('/api/actors/:name/fork', async (c) => {
    const source = c.req.param('name');
    const body = parseOptions(ForkBodySchema, await readJsonBody(c, maxBodyBytes), 'fork');
    const { store, journal } = persistence();
    if (system.describe(body.name) !== undefined) {
      throw requestError(ErrorCode.ChildConflict, `An actor named ${body.name} exists`, 'name');
    }
    const checkpoint = await forkCheckpoint(store, source, {
      ...(body.revision === undefined ? {} : { revision: body.revision }),
      ...(body.context === undefined ? {} : { context: body.context }),
    });
    const logic = logicOf(sources, source);
    const { machineId, machineVersion } = checkpoint;
    await system.spawnDurable(body.name, logic, {
      persistence: { store, journal, machineId, machineVersion, from: { checkpoint } },
    });
    return c.json(
      { actor: view(body.name), from: { actor: source, revision: body.revision } },
      201,
    );
  });

  app.post('/api/actors/:name/stop', async (c) => {
    const name = c.req.param('name');
    await readJsonBody(c, maxBodyBytes);
    if (system.describe(name) === undefined) throw actorNotFound(name);
    const owner = ownerOf(sources, name);
    if (owner === undefined) system.stop(name);
    else await owner.supervisor.terminateChild(owner.child);
    return c.json({ actor: name, stopped: true });
  });
}

function actorNotFound(name: string): RuntimeError {
  return new RuntimeError(ErrorCode.ActorNotFound, `No actor ${JSON.stringify(name)}`, {
    details: { actor: name },
  });
}

/** The supervisor that runs `actor` as a worker, and the child's id. */
function ownerOf(
  sources: ConsoleSources,
  actor: string,
): { supervisor: Supervisor; child: string; agent: unknown } | undefined {
  const tree = sources.tree;
  if (tree === undefined) return undefined;
  const walk = (supervisor: Supervisor): ReturnType<typeof ownerOf> => {
    for (const child of supervisor.whichChildren()) {
      if (child.type === 'worker' && child.name === actor) {
        const spec = supervisor.spec.children.find((s) => s.id === child.id) as
          { agent?: unknown } | undefined;
        return { supervisor, child: child.id, agent: spec?.agent };
      }
      const sub = child.type === 'supervisor' ? tree.find(child.id) : undefined;
      const found = sub === undefined || sub === supervisor ? undefined : walk(sub);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(tree.root);
}

/** The logic `actor` runs, to fork it: its worker spec's agent (an object, or a name in `agents`). */
function logicOf(sources: ConsoleSources, actor: string): AnyActorLogic | ActorTemplate {
  const agent = ownerOf(sources, actor)?.agent;
  const named = typeof agent === 'string' ? sources.agents[agent] : agent;
  if (named !== undefined && (isActorTemplate(named) || isLogic(named))) return named;
  throw requestError(
    ErrorCode.UnknownAgent,
    `Cannot fork ${actor}: the console does not know the agent it runs (a tree worker's agent, or \`agents\` in the target)`,
  );
}

function isLogic(value: unknown): value is AnyActorLogic {
  return typeof value === 'object' && value !== null && 'transition' in value;
}
