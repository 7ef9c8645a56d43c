// Follows API key revocations made by any process (PostgreSQL NOTIFY), so that the API can keep
// verified keys in memory without ever honouring a revoked one: while the channel is down, the
// cache is off and every request is checked against the database.
import type { Logger } from "pino";
import { type Listener, listen } from "../../db/notifications.js";
import { API_KEY_REVOKED_CHANNEL } from "./api-key.repository.js";
import type { ApiKeyService } from "./api-key.service.js";

export function followApiKeyRevocations(databaseUrl: string, apiKeys: ApiKeyService, log: Logger): Listener {
  let wasUp = false;
  return listen({
    url: databaseUrl,
    channel: API_KEY_REVOKED_CHANNEL,
    applicationName: "bedrock-governor-revocations",
    onMessage: (keyId) => apiKeys.forgetKey(keyId),
    onStateChange: (up) => {
      apiKeys.setRevocationFeed(up);
      if (up) log.debug("following API key revocations; verified keys are cached");
      else if (wasUp)
        log.warn("lost the API key revocation channel; keys are verified on every request until it is back");
      wasUp = up;
    },
  });
}
