import type { Envelope } from '../../codec/index.js';
import { ErrorCode, RuntimeError } from '../../errors/index.js';
import { namespaceOf } from '../subjects.js';

/**
 * @internal The namespace guard of both transports: the refusal (ERR_FOREIGN_NAMESPACE) of an
 * envelope that arrived on a namespace's subject (`av.<namespace>.…`) but names another namespace
 * in `ns`, or `undefined` when it may be delivered. An envelope without `ns` (a plain NATS client)
 * is taken as addressed where it arrived, and a subject outside the layout has no namespace to
 * guard.
 *
 * @param namespace the namespace token of `subject`; a subscriber computes it once for all the
 *   messages of its subject. @default namespaceOf(subject)
 */
export function foreignNamespaceError(
  subject: string,
  envelope: Envelope,
  namespace: string | undefined = namespaceOf(subject),
): RuntimeError | undefined {
  if (namespace === undefined || envelope.ns === undefined || envelope.ns === namespace) {
    return undefined;
  }
  return new RuntimeError(
    ErrorCode.ForeignNamespace,
    `Envelope ${envelope.id} is addressed to namespace ${envelope.ns}, not ${namespace} (arrived on ${subject})`,
    { details: { subject, id: envelope.id, ns: envelope.ns, namespace } },
  );
}
