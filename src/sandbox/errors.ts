// The one error type services throw; each protocol codec renders it in its own wire format.

export class AwsError extends Error {
  readonly code: string;
  readonly status: number;
  /** Extra modelled members, e.g. Organizations `Reason` or `Type`. */
  readonly fields: Record<string, unknown>;
  constructor(code: string, message: string, status = 400, fields: Record<string, unknown> = {}) {
    super(message);
    this.name = "AwsError";
    this.code = code;
    this.status = status;
    this.fields = fields;
  }
  /** awsQuery's Sender/Receiver: who is at fault. */
  get faultType(): "Sender" | "Receiver" {
    return this.status >= 500 ? "Receiver" : "Sender";
  }
}
