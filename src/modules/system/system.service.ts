import type { SystemEnvironment } from "./system.types.js";

export function createSystemService(deps: { environment: SystemEnvironment }) {
  return {
    info(): SystemEnvironment & { notice?: string } {
      const env = deps.environment;
      return env.aws.target === "sandbox"
        ? {
            ...env,
            notice: "SANDBOX MODE: AWS calls go to the built-in AWS sandbox (a simulated organization), not to AWS.",
          }
        : env;
    },
  };
}

export type SystemService = ReturnType<typeof createSystemService>;
