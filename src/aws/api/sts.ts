import { GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { call } from "./call.js";

export function stsApi(client: STSClient, account: string, region: string) {
  return {
    /** Which identity the credentials resolve to (the doctor's credentials gate). */
    getCallerIdentity: () =>
      call({ service: "sts", operation: "GetCallerIdentity", account, region }, async () => {
        const out = await client.send(new GetCallerIdentityCommand({}));
        return { account: out.Account ?? "", arn: out.Arn ?? "", userId: out.UserId ?? "" };
      }),
  };
}

export type StsApi = ReturnType<typeof stsApi>;
