/// <reference lib="dom" />

/** What `config.json` beside the page says about sign-in (written at deploy, or by local mode). */
export type ConsoleConfig =
  | { readonly auth: 'none' }
  | {
      readonly auth: 'cognito';
      /** The user pool's hosted sign-in domain, `https://<prefix>.auth.<region>.amazoncognito.com`. */
      readonly domain: string;
      readonly client_id: string;
      /** This page's address, registered as the app client's callback and sign-out URL. */
      readonly redirect_uri: string;
    };

/** Who is acting: the signed-in user in a stage, the name typed in locally. */
export interface Session {
  readonly mode: 'none' | 'cognito';
  actor(): string;
  token(): string | null;
  /** The API said 401: the token expired or was revoked. */
  expired(): void;
  signOut(): void;
}

const TOKEN_KEY = 'risk-console.id-token';
const VERIFIER_KEY = 'risk-console.pkce-verifier';
const STATE_KEY = 'risk-console.pkce-state';
const ACTOR_KEY = 'risk-console.actor';

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch('config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return (await response.json()) as ConsoleConfig;
}

/**
 * Local mode has no sign-in: the risk manager names themselves (kept per tab, so two tabs
 * can be two approvers, as the two-person rules are rehearsed locally).
 */
export function localSession(input: HTMLInputElement): Session {
  input.value = sessionStorage.getItem(ACTOR_KEY) ?? '';
  input.addEventListener('change', () => sessionStorage.setItem(ACTOR_KEY, input.value.trim()));
  return {
    mode: 'none',
    actor: () => input.value.trim() || 'unnamed',
    token: () => null,
    expired: () => undefined,
    signOut: () => sessionStorage.removeItem(ACTOR_KEY),
  };
}

/**
 * Cognito's hosted sign-in (authorization code with PKCE; MFA is required by the pool):
 * returns a session once signed in, or redirects to sign in and never resolves. The ID
 * token is held for this tab only (sessionStorage) and sent as `Authorization`; the API
 * Gateway authorizer checks it and the admin API takes the user from its claims.
 */
export async function cognitoSession(config: Extract<ConsoleConfig, { auth: 'cognito' }>): Promise<Session> {
  const url = new URL(window.location.href);
  const code = url.searchParams.get('code');
  if (code && url.searchParams.get('state') === sessionStorage.getItem(STATE_KEY)) {
    const response = await fetch(`${config.domain}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: config.client_id,
        code,
        redirect_uri: config.redirect_uri,
        code_verifier: sessionStorage.getItem(VERIFIER_KEY) ?? '',
      }),
    });
    if (response.ok) {
      const tokens = (await response.json()) as { id_token?: string };
      if (tokens.id_token) sessionStorage.setItem(TOKEN_KEY, tokens.id_token);
    }
    sessionStorage.removeItem(VERIFIER_KEY);
    sessionStorage.removeItem(STATE_KEY);
    window.history.replaceState(null, '', config.redirect_uri);
  }
  const token = sessionStorage.getItem(TOKEN_KEY);
  const claims = token ? decodeClaims(token) : null;
  if (!token || !claims || Number(claims.exp ?? 0) * 1_000 < Date.now()) {
    await redirectToSignIn(config);
    return new Promise<Session>(() => undefined);
  }
  return {
    mode: 'cognito',
    actor: () => String(claims['cognito:username'] ?? 'unknown'),
    token: () => token,
    expired: () => {
      sessionStorage.removeItem(TOKEN_KEY);
      void redirectToSignIn(config);
    },
    signOut: () => {
      sessionStorage.removeItem(TOKEN_KEY);
      const logout = new URL(`${config.domain}/logout`);
      logout.searchParams.set('client_id', config.client_id);
      logout.searchParams.set('logout_uri', config.redirect_uri);
      window.location.assign(logout.toString());
    },
  };
}

async function redirectToSignIn(config: Extract<ConsoleConfig, { auth: 'cognito' }>): Promise<void> {
  const verifier = randomText(64);
  const state = randomText(24);
  sessionStorage.setItem(VERIFIER_KEY, verifier);
  sessionStorage.setItem(STATE_KEY, state);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  const authorize = new URL(`${config.domain}/oauth2/authorize`);
  authorize.searchParams.set('response_type', 'code');
  authorize.searchParams.set('client_id', config.client_id);
  authorize.searchParams.set('redirect_uri', config.redirect_uri);
  authorize.searchParams.set('scope', 'openid email');
  authorize.searchParams.set('state', state);
  authorize.searchParams.set('code_challenge_method', 'S256');
  authorize.searchParams.set('code_challenge', base64Url(new Uint8Array(digest)));
  window.location.assign(authorize.toString());
}

/** The token's claims, read for display and expiry only: the API Gateway authorizer verifies it. */
function decodeClaims(token: string): Record<string, unknown> | null {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function randomText(bytes: number): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64Url(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
