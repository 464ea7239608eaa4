import type { ChildSpec, WorkerSpec } from '../policy/index.js';

/**
 * The spec of a new instance of a dynamic supervisor's template (OTP simple_one_for_one): the
 * template with the caller's `id` (else `<template id>-<n>`), `input` and, for a worker, `name`. `nextSeq` is called only when the caller gives no id.
 */
export function dynamicChildSpec(
  template: ChildSpec,
  request: Partial<WorkerSpec> & { id?: string },
  nextSeq: () => number,
): ChildSpec {
  const child: ChildSpec = {
    ...template,
    id: request.id ?? `${template.id}-${nextSeq()}`,
    ...(request.input === undefined ? {} : { input: request.input }),
  };
  return request.name !== undefined && child.type === 'worker'
    ? { ...child, name: request.name }
    : child;
}
