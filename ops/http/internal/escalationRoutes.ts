import type { Hono } from 'hono';
import { z } from 'zod';
import { ErrorCode, RuntimeError, isRuntimeError, parseOptions } from 'agentvisor/internal';
import {
  HumanDecisionSchema,
  type Escalation,
  type EscalationService,
  type HumanDecision,
} from 'agentvisor/supervisors';
import type { ConsoleSources } from '../ConsoleTarget.js';
import { requestError } from './httpError.js';
import { readJsonBody } from './readJsonBody.js';

/** What the escalation routes need besides the target. */
export interface EscalationRouteOptions {
  readonly maxBodyBytes: number;
  /** Context schemas by child id: an edited `resume` context must pass its child's. */
  readonly contextSchemas: Readonly<Record<string, z.ZodType>>;
  /** Journal entries shown with an escalation. */
  readonly journalTail: number;
}

const ListQuerySchema = z.strictObject({
  status: z.enum(['open', 'resolved']).optional(),
  supervisor: z.string().min(1).optional(),
  agent: z.string().min(1).optional(),
});

const DecideBodySchema = z.strictObject({
  decision: HumanDecisionSchema,
  by: z.string().min(1).max(200).optional(),
  note: z.string().max(4000).optional(),
});

/** What each decision does, for a person choosing one (the dashboard's buttons). */
export const DECISION_EFFECTS: Readonly<Record<HumanDecision['type'], string>> = {
  retry: 'restore the last good state and deliver the failed message again',
  resume: 'restore the last good state with the edited context merged in, then go on',
  skip: 'restore the last good state and answer the failed message with the given result',
  'restart-fresh': 'start the child again from its initial state',
  stop: 'stop the child for good',
};

/**
 * `GET /api/escalations` (`?status=open|resolved&supervisor=&agent=`), `GET
 * /api/escalations/:id` (the record with the child's journal tail and latest checkpoint) and
 * `POST /api/escalations/:id/decision` (`{ decision, by?, note? }`).
 */
export function escalationRoutes(
  app: Hono,
  sources: ConsoleSources,
  options: EscalationRouteOptions,
): void {
  const service = (): EscalationService => {
    if (sources.tree === undefined) throw noTree();
    return sources.tree.escalations;
  };

  app.get('/api/escalations', async (c) => {
    const query = parseOptions(ListQuerySchema, c.req.query(), 'escalation list query');
    const records = await service().list({
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.supervisor === undefined ? {} : { supervisor: query.supervisor }),
    });
    const agent = query.agent;
    return c.json({
      escalations: agent === undefined ? records : records.filter((r) => isAbout(r, agent)),
    });
  });

  app.get('/api/escalations/:id', async (c) => {
    const record = await mustGet(service(), c.req.param('id'));
    const persistence = sources.persistence;
    const actor = record.child.name;
    let journalTail: unknown[] = [];
    let latestCheckpoint: unknown;
    if (persistence !== undefined) {
      const last = await persistence.journal.lastSeq(actor);
      const from = Math.max(0, last - options.journalTail);
      journalTail = await persistence.journal.read(actor, from, { limit: options.journalTail });
      const latest = await persistence.store.latest(actor);
      if (latest !== undefined) {
        const { checkpoint } = latest;
        latestCheckpoint = {
          revision: latest.revision,
          journalSeq: checkpoint.journalSeq,
          createdAt: checkpoint.createdAt,
          state: (checkpoint.snapshot as { value?: unknown } | undefined)?.value,
        };
      }
    }
    return c.json({
      escalation: record,
      journalTail,
      ...(latestCheckpoint === undefined ? {} : { latestCheckpoint }),
      decisions: DECISION_EFFECTS,
    });
  });

  app.post('/api/escalations/:id/decision', async (c) => {
    const id = c.req.param('id');
    const escalations = service();
    const body = await readJsonBody(c, options.maxBodyBytes);
    const record = await mustGet(escalations, id);
    if (record.status === 'resolved') throw alreadyClosed(record);
    const input = parseDecisionBody(id, body);
    checkContext(record, input.decision, options.contextSchemas);
    const resolved = await escalations.resolve(id, input.decision, {
      ...(input.by === undefined ? {} : { by: input.by }),
      ...(input.note === undefined ? {} : { note: input.note }),
    });
    return c.json({ escalation: resolved });
  });
}

function parseDecisionBody(id: string, body: unknown): z.output<typeof DecideBodySchema> {
  try {
    return parseOptions(DecideBodySchema, body, 'decision');
  } catch (error) {
    if (!isRuntimeError(error, ErrorCode.InvalidOptions)) throw error;
    throw new RuntimeError(
      ErrorCode.InvalidDecision,
      `Invalid decision for escalation ${JSON.stringify(id)}: ${error.message}`,
      { cause: error, details: { id, issues: error.details?.['issues'] } },
    );
  }
}

/** An edited context must pass the child's context schema (merged over what resume restores). */
function checkContext(
  record: Escalation,
  decision: HumanDecision,
  schemas: Readonly<Record<string, z.ZodType>>,
): void {
  if (decision.type !== 'resume' || decision.context === undefined) return;
  const schema = schemas[record.child.id];
  if (schema === undefined) return;
  const restored =
    record.lastCheckpoint?.kind === 'last-good-snapshot'
      ? (record.lastCheckpoint.snapshot as { context?: Record<string, unknown> } | undefined)
          ?.context
      : undefined;
  const result = schema.safeParse({ ...restored, ...decision.context });
  if (result.success) return;
  const issues = result.error.issues.map((i) => ({
    path: ['decision', 'context', ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  throw new RuntimeError(
    ErrorCode.InvalidDecision,
    `The edited context of escalation ${JSON.stringify(record.id)} fails the context schema of ${record.child.id}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    { details: { id: record.id, issues } },
  );
}

/** As the store's: names who closed it, with what, and when. */
function alreadyClosed(record: Escalation & { status: 'resolved' }): RuntimeError {
  const { decidedBy, by, decision, decidedAt } = record.resolution;
  const who = by === undefined ? decidedBy : `${by} (${decidedBy})`;
  return new RuntimeError(
    ErrorCode.EscalationClosed,
    `Escalation ${JSON.stringify(record.id)} is already resolved by ${who} (${decision.type})`,
    { details: { id: record.id, decidedBy, by, decision: decision.type, decidedAt } },
  );
}

async function mustGet(service: EscalationService, id: string): Promise<Escalation> {
  const record = await service.get(id);
  if (record === undefined) {
    throw new RuntimeError(ErrorCode.EscalationNotFound, `No escalation ${JSON.stringify(id)}`, {
      details: { id },
    });
  }
  return record;
}

/** True when the escalation is about `agent`: its child's id, actor name or agent. */
function isAbout(record: Escalation, agent: string): boolean {
  const spec = record.child.spec as { agent?: unknown } | undefined;
  return (
    record.child.id === agent ||
    record.child.name === agent ||
    spec?.agent === agent ||
    spec?.agent === `[agent ${agent}]`
  );
}

/** @internal A route that needs a supervision tree the target does not have. */
export function noTree(): RuntimeError {
  return requestError(
    ErrorCode.RouteNotFound,
    'This console serves no supervision tree: pass `tree` in the target',
  );
}
