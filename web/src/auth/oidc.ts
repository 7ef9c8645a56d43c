// OIDC sign-in for people: authorization code with PKCE (a public client, no secret), done by
// oauth4webapi against the issuer the service is configured with. The access token is what the
// API verifies (issuer, audience, expiry: src/modules/auth/jwt-verifier.ts).
import * as oauth from "oauth4webapi";
import type { paths } from "../api/schema";
import { session } from "./session";

export type OidcSettings = NonNullable<
  paths["/v1/console/settings"]["get"]["responses"][200]["content"]["application/json"]["oidc"]
>;

const PENDING = "bedrock-governor.oidc-pending";
export const CALLBACK_PATH = "/auth/callback";

interface Pending {
  verifier: string;
  state: string;
  nonce: string;
  returnTo: string;
}

function redirectUri(): string {
  return `${window.location.origin}${CALLBACK_PATH}`;
}

async function discover(settings: OidcSettings) {
  const issuer = new URL(settings.issuer);
  const insecure = issuer.protocol === "http:";
  const response = await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: insecure });
  const as = await oauth.processDiscoveryResponse(issuer, response);
  return { as, client: { client_id: settings.clientId } satisfies oauth.Client, insecure };
}

/** Sends the browser to the identity provider. */
export async function startOidcSignIn(settings: OidcSettings, returnTo: string): Promise<void> {
  const { as } = await discover(settings);
  if (!as.authorization_endpoint) throw new Error("the identity provider has no authorization endpoint");
  const pending: Pending = {
    verifier: oauth.generateRandomCodeVerifier(),
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    returnTo,
  };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set("client_id", settings.clientId);
  url.searchParams.set("redirect_uri", redirectUri());
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", "openid profile email");
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(pending.verifier));
  url.searchParams.set("code_challenge_method", "S256");
  url.searchParams.set("state", pending.state);
  url.searchParams.set("nonce", pending.nonce);
  window.location.assign(url.href);
}

/** Completes the sign-in on the callback page; returns where to go next. */
export async function completeOidcSignIn(settings: OidcSettings, current: URL): Promise<string> {
  const raw = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  if (!raw) throw new Error("no sign-in was started in this tab; start again");
  const pending = JSON.parse(raw) as Pending;
  const { as, client, insecure } = await discover(settings);
  const params = oauth.validateAuthResponse(as, client, current, pending.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    params,
    redirectUri(),
    pending.verifier,
    { [oauth.allowInsecureRequests]: insecure },
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: pending.nonce,
    requireIdToken: true,
  });
  session.set({
    kind: "oidc",
    token: tokens.access_token,
    ...(tokens.expires_in ? { expiresAt: Date.now() + tokens.expires_in * 1000 } : {}),
  });
  return pending.returnTo.startsWith("/") && !pending.returnTo.startsWith("//") ? pending.returnTo : "/";
}
