// The composition root: builds every repository and service once, from config and a database.
import type { Logger } from "pino";
import type { AwsAccess } from "./aws/aws-access.js";
import type { Config } from "./config.js";
import type { MigrationScript } from "./db/migrator.js";
import type { Database } from "./db/prisma.js";
import { type Clock, systemClock } from "./lib/clock.js";
import { createAuditRepository } from "./modules/audit/audit.repository.js";
import { createAuditService } from "./modules/audit/audit.service.js";
import { createApiKeyRepository } from "./modules/auth/api-key.repository.js";
import { createApiKeyService } from "./modules/auth/api-key.service.js";
import { createAuthService } from "./modules/auth/auth.service.js";
import { createJwtVerifier } from "./modules/auth/jwt-verifier.js";
import { createHealthRepository } from "./modules/health/health.repository.js";
import { createHealthService } from "./modules/health/health.service.js";
import { createSystemService } from "./modules/system/system.service.js";
import type { SystemEnvironment } from "./modules/system/system.types.js";

export interface ServiceDeps {
  config: Readonly<Config>;
  db: Database;
  migrations: MigrationScript[];
  log: Logger;
  aws: AwsAccess;
  environment: SystemEnvironment;
  clock?: Clock;
}

export function createServices(deps: ServiceDeps) {
  const clock = deps.clock ?? systemClock;
  const client = deps.db.client;
  const audit = createAuditService({ repo: createAuditRepository(client) });
  const apiKeys = createApiKeyService({ db: deps.db, repo: createApiKeyRepository(client), audit, clock });
  const auth = createAuthService({ apiKeys, jwt: deps.config.oidc ? createJwtVerifier(deps.config.oidc) : undefined });
  const system = createSystemService({ environment: deps.environment });
  const health = createHealthService({
    repo: createHealthRepository(client),
    migrations: deps.migrations,
    environment: deps.environment,
  });
  return { audit, apiKeys, auth, health, system, aws: deps.aws, clock };
}

export type Services = ReturnType<typeof createServices>;
