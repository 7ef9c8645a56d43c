// Credential chain: base credentials (the standard provider chain, or the sandbox's) → optional
// hub role (management or delegated-admin account) → the member role in each account. Credentials
// are cached per account until shortly before they expire; concurrent callers for one account
// share a single AssumeRole.

import { AssumeRoleCommand, type STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { toAwsGateError } from "./errors.js";

export interface RoleChainConfig {
  /** Optional role assumed first from the base credentials (management or delegated admin). */
  hubRoleArn?: string;
  memberRoleName: string;
  externalId?: string;
  /** Identifies the service in CloudTrail (2–64 of [\w+=,.@-]). */
  sessionName: string;
  durationSeconds: number;
  /** Refresh this long before expiry. */
  refreshMarginMs: number;
  partition?: string;
}

export interface CredentialBroker {
  /** Credentials of the hub (base, or the hub role): Organizations, and the source of member roles. */
  hub: AwsCredentialIdentityProvider;
  /** Credentials in a member account (its member role), cached and refreshed. */
  forAccount(accountId: string): AwsCredentialIdentityProvider;
  /** The role ARN the broker assumes in an account. */
  memberRoleArn(accountId: string): string;
  /** Drops cached credentials of an account (e.g. after the role was changed). */
  forget(accountId: string): void;
}

interface Cached {
  creds: AwsCredentialIdentity;
  expiresAt: number;
}

export function createCredentialBroker(deps: {
  base: AwsCredentialIdentityProvider;
  /** An STS client signing with the given credentials (from src/aws/clients.ts), one per label. */
  stsWith(credentials: AwsCredentialIdentityProvider, label: "base" | "hub"): STSClient;
  config: RoleChainConfig;
  now?: () => number;
}): CredentialBroker {
  const { config } = deps;
  const now = deps.now ?? Date.now;
  const partition = config.partition ?? "aws";

  function cachedProvider(
    assume: () => Promise<AwsCredentialIdentity>,
  ): AwsCredentialIdentityProvider & { reset(): void } {
    let cached: Cached | undefined;
    let inflight: Promise<AwsCredentialIdentity> | undefined;
    const provider = async () => {
      if (cached && cached.expiresAt - config.refreshMarginMs > now()) return cached.creds;
      inflight ??= assume()
        .then((creds) => {
          cached = { creds, expiresAt: creds.expiration?.getTime() ?? now() + config.durationSeconds * 1000 };
          return creds;
        })
        .finally(() => {
          inflight = undefined;
        });
      return inflight;
    };
    return Object.assign(provider, {
      reset() {
        cached = undefined;
      },
    });
  }

  async function assumeRole(source: "base" | "hub", roleArn: string, account: string, chained: boolean) {
    const sts = deps.stsWith(source === "base" ? deps.base : hub, source);
    try {
      const out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: config.sessionName,
          // Role chaining caps sessions at one hour.
          DurationSeconds: chained ? Math.min(config.durationSeconds, 3600) : config.durationSeconds,
          ...(config.externalId ? { ExternalId: config.externalId } : {}),
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error("AssumeRole returned no credentials");
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
      } satisfies AwsCredentialIdentity;
    } catch (err) {
      throw toAwsGateError(err, { service: "sts", operation: "AssumeRole", account });
    }
  }

  const hubArn = config.hubRoleArn;
  const hub: AwsCredentialIdentityProvider = hubArn
    ? cachedProvider(() => assumeRole("base", hubArn, hubArn.split(":")[4] ?? "", false))
    : deps.base;
  const members = new Map<string, ReturnType<typeof cachedProvider>>();
  const memberRoleArn = (accountId: string) => `arn:${partition}:iam::${accountId}:role/${config.memberRoleName}`;

  return {
    hub,
    memberRoleArn,
    forAccount(accountId) {
      let p = members.get(accountId);
      if (!p) {
        p = cachedProvider(() => assumeRole("hub", memberRoleArn(accountId), accountId, hubArn !== undefined));
        members.set(accountId, p);
      }
      return p;
    },
    forget(accountId) {
      members.get(accountId)?.reset();
    },
  };
}
