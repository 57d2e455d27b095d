import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { RangeChoice } from './time-range';

export interface Principal {
  isAdmin: boolean;
  /** The workspace every read is for: the key's own, or the one the admin key picked (null until it picks). */
  workspace: string | null;
  setWorkspace: (id: string | null) => void;
  /** Known workspaces, for the admin key's picker. */
  workspaces: string[];
  reloadWorkspaces: () => void;
  signOut: () => void;
}

export interface AppState {
  principal: Principal;
  range: RangeChoice;
  setRange: (r: RangeChoice) => void;
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const app = useContext(AppContext);
  if (!app) throw new Error('outside the app');
  return app;
}

/** `workspace_id` for reads: the admin key names it, a workspace key must not need to. */
export function useScope(): { workspace_id?: string } {
  const { principal } = useApp();
  return principal.isAdmin && principal.workspace ? { workspace_id: principal.workspace } : {};
}
