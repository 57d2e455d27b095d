import { Principal } from '@ledger/auth';

/**
 * The workspace a read is confined to. A workspace key is always confined to its
 * own, whatever it asks for; the admin key reads all unless it names one.
 */
export function readScope(principal: Principal, requested?: string): string | undefined {
  return principal.kind === 'workspace' ? principal.workspaceId : requested;
}
