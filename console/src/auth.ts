// Signing in: a bearer token locally (typed in, or /console/#token=...), Cognito's managed
// login in AWS (authorization code with PKCE). The token lives in sessionStorage: gone with
// the tab, never in a URL once read.
import { authorizeUrl, challengeOf, type CognitoConfig, logoutUrl, randomVerifier, tokenRequestBody } from "./pkce";

export type Config = { auth: "token" } | CognitoConfig;

const TOKEN = "touchpoint.token";
const VERIFIER = "touchpoint.pkce_verifier";
const STATE = "touchpoint.pkce_state";

export async function loadConfig(): Promise<Config> {
  const answer = await fetch("config.json", { cache: "no-store" });
  if (!answer.ok) return { auth: "token" };
  return (await answer.json()) as Config;
}

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN);
}

export function keepToken(token: string): void {
  sessionStorage.setItem(TOKEN, token.trim());
}

/** `#token=...` (for scripts and tests): kept, and taken out of the address bar at once. */
export function tokenFromFragment(): string | null {
  const found = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (!found?.[1]) return null;
  const token = decodeURIComponent(found[1]);
  keepToken(token);
  history.replaceState(null, "", `${window.location.pathname}#/day`);
  return token;
}

export async function startCognitoSignIn(config: CognitoConfig): Promise<void> {
  const verifier = randomVerifier();
  const state = randomVerifier();
  sessionStorage.setItem(VERIFIER, verifier);
  sessionStorage.setItem(STATE, state);
  window.location.assign(authorizeUrl(config, await challengeOf(verifier), state));
}

/** Back from the managed login with ?code=&state=: the code traded for tokens. */
export async function finishCognitoSignIn(config: CognitoConfig): Promise<string | null> {
  const query = new URLSearchParams(window.location.search);
  const code = query.get("code");
  if (!code) return null;
  const verifier = sessionStorage.getItem(VERIFIER);
  const expected = sessionStorage.getItem(STATE);
  sessionStorage.removeItem(VERIFIER);
  sessionStorage.removeItem(STATE);
  history.replaceState(null, "", `${window.location.pathname}#/day`);
  if (!verifier || !expected || query.get("state") !== expected) return null;
  const answer = await fetch(`${config.domain}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: tokenRequestBody(config, code, verifier),
  });
  if (!answer.ok) return null;
  // The id token: its audience is the app client, which the HTTP API's authorizer checks.
  const token = ((await answer.json()) as { id_token?: string }).id_token ?? null;
  if (token) keepToken(token);
  return token;
}

export function signOut(config: Config | null): void {
  sessionStorage.removeItem(TOKEN);
  if (config?.auth === "cognito") window.location.assign(logoutUrl(config));
}

/** Who the token says signed in, for the header (the API decides what they may do). */
export function tokenClaims(token: string): { name: string; groups: string[] } {
  try {
    const payload = JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
    const groups = payload["cognito:groups"];
    return {
      name: String(payload["email"] ?? payload["cognito:username"] ?? payload["sub"] ?? "signed in"),
      groups: Array.isArray(groups) ? groups.map(String) : [],
    };
  } catch {
    return { name: "signed in", groups: [] };
  }
}
