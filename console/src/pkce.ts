// OAuth 2.0 authorization code with PKCE (RFC 7636), for Cognito's managed login.

export function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** 32 random bytes, base64url: 43 characters, within RFC 7636's 43-128. */
export function randomVerifier(random: (bytes: Uint8Array<ArrayBuffer>) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  return base64url(random(new Uint8Array(32)));
}

export async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

export interface CognitoConfig {
  auth: "cognito";
  domain: string;
  client_id: string;
  redirect_uri: string;
}

export function authorizeUrl(config: CognitoConfig, challenge: string, state: string): string {
  const query = new URLSearchParams({
    response_type: "code",
    client_id: config.client_id,
    redirect_uri: config.redirect_uri,
    scope: "openid email profile",
    code_challenge_method: "S256",
    code_challenge: challenge,
    state,
  });
  return `${config.domain}/oauth2/authorize?${query.toString()}`;
}

export function tokenRequestBody(config: CognitoConfig, code: string, verifier: string): URLSearchParams {
  return new URLSearchParams({
    grant_type: "authorization_code",
    client_id: config.client_id,
    code,
    redirect_uri: config.redirect_uri,
    code_verifier: verifier,
  });
}

export function logoutUrl(config: CognitoConfig): string {
  const query = new URLSearchParams({ client_id: config.client_id, logout_uri: config.redirect_uri });
  return `${config.domain}/logout?${query.toString()}`;
}
