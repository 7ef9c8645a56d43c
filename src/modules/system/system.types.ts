/** Where this installation's data and AWS calls go; shown in /readyz and GET /v1/system. */
export interface SystemEnvironment {
  version: string;
  database: { embedded: boolean };
  aws: {
    target: "aws" | "sandbox";
    homeRegion: string;
    /** Present when AWS calls go to the sandbox (a simulated organization), not to AWS. */
    sandbox?: { url: string; inProcess: boolean; scenario: string; managementAccountId?: string };
  };
}
