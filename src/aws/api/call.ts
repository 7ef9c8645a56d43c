import { type AwsCallContext, toAwsGateError } from "../errors.js";

/** Runs one SDK call (retries happen inside the client); failures become AwsGateErrors. */
export async function call<T>(ctx: AwsCallContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toAwsGateError(err, ctx);
  }
}

/** Drains an SDK paginator (which follows tokens through empty pages) into one array. */
export async function collect<P, T>(
  ctx: AwsCallContext,
  pages: AsyncIterable<P>,
  items: (page: P) => T[] | undefined,
): Promise<T[]> {
  const out: T[] = [];
  try {
    for await (const page of pages) out.push(...(items(page) ?? []));
  } catch (err) {
    throw toAwsGateError(err, ctx);
  }
  return out;
}
