/** What every page may need of the shell: the signed-in user and the gateway's status (read-only mode, Sparkplug ids). */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { User } from '../api.ts';
import type { GatewayStatus } from './gateway-types.ts';

export interface Session {
  user: User;
  /** The latest GET /api/v1/status (refreshed by the shell every few seconds). */
  status?: GatewayStatus;
  /** Asks for the status now (after switching read-only mode, say). */
  refreshStatus: () => Promise<void>;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside the signed-in shell');
  return s;
}
