import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Api } from "./api";
import type { Clinic } from "./types";

export interface Session {
  api: Api;
  clinic: Clinic;
  /** The actions the signed-in user may take (GET /admin/me): what the console offers. */
  may: Set<string>;
  /** Where the clinic's routes start: /admin/clinics/{clinic_id}. */
  base: string;
  go: (hash: string) => void;
  reloadClinic: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("no session");
  return session;
}
