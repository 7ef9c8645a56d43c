// How a command that talks to the API runs: the client (GOVERNOR_URL, GOVERNOR_API_KEY) and one
// printer that writes either the human text or, with --json, the API's answer.
import type { Config } from "../config.js";
import { type ApiCall, client } from "./api-client.js";
import { runCommand } from "./run-command.js";

export interface ApiCommandContext {
  config: Readonly<Config>;
  call: ApiCall;
  /** `--json`: the value (what the API answered); otherwise the human text. */
  print(value: unknown, human: () => string): void;
}

export function runApiCommand<A extends unknown[]>(
  json: (...args: A) => boolean | undefined,
  body: (ctx: ApiCommandContext, ...args: A) => Promise<number | undefined>,
) {
  return runCommand(async ({ config }, ...args: A) => {
    const asJson = json(...args) === true;
    const print = (value: unknown, human: () => string) => {
      const text = asJson ? JSON.stringify(value, null, 2) : human();
      process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
    };
    return body({ config, call: client(config), print }, ...args);
  });
}
