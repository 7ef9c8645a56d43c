import { type BedrockRuntimeClient, ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import { call } from "./call.js";

export function runtimeApi(client: BedrockRuntimeClient, account: string, region: string) {
  return {
    /** A minimal Converse call (a probe): proves or disproves that the model answers here. */
    converse: (modelId: string, text: string, maxTokens = 16) =>
      call({ service: "bedrock-runtime", operation: "Converse", account, region }, async () => {
        const out = await client.send(
          new ConverseCommand({
            modelId,
            messages: [{ role: "user", content: [{ text }] }],
            inferenceConfig: { maxTokens },
          }),
        );
        const reply = out.output?.message?.content?.map((c) => ("text" in c ? c.text : "")).join("") ?? "";
        return {
          reply,
          stopReason: out.stopReason,
          inputTokens: out.usage?.inputTokens,
          outputTokens: out.usage?.outputTokens,
        };
      }),
  };
}

export type RuntimeApi = ReturnType<typeof runtimeApi>;
