// Which tenant a request belongs to: X-Scope-OrgID, required when auth_enabled (401 `no org id`),
// else `fake` when absent, as Loki; we honour a given header either way.
import type { IncomingMessage } from 'node:http';
import { httpErrors } from '../http-error.ts';

export const DEFAULT_TENANT = 'fake';
const MAX_TENANT_LENGTH = 150;

export function tenantOf(req: IncomingMessage, authEnabled: boolean): string {
  const raw = req.headers['x-scope-orgid'];
  const id = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!id) {
    if (authEnabled) throw httpErrors.noOrgId();
    return DEFAULT_TENANT;
  }
  // Loki's set less `.` and `*`, which NATS subjects and store keys give meaning to
  if (id.length > MAX_TENANT_LENGTH || !/^[a-zA-Z0-9!_\-'()]+$/.test(id))
    throw httpErrors.badRequest(`tenant ID '${id}' contains unsupported characters or is too long`);
  return id;
}
