import {
  type _Object,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { call } from "./call.js";

export interface ObjectPage {
  objects: Array<{ key: string; size: number; lastModified?: Date }>;
  nextContinuationToken?: string;
}

export function s3Api(client: S3Client, account: string, region: string) {
  const ctx = (operation: string) => ({ service: "s3", operation, account, region });
  return {
    /** One page of keys under a prefix, in key order (after `startAfter` when given). */
    listObjects: (input: {
      bucket: string;
      prefix?: string;
      startAfter?: string;
      continuationToken?: string;
      maxKeys?: number;
    }) =>
      call(ctx("ListObjectsV2"), async (): Promise<ObjectPage> => {
        const out = await client.send(
          new ListObjectsV2Command({
            Bucket: input.bucket,
            ...(input.prefix ? { Prefix: input.prefix } : {}),
            ...(input.startAfter ? { StartAfter: input.startAfter } : {}),
            ...(input.continuationToken ? { ContinuationToken: input.continuationToken } : {}),
            ...(input.maxKeys ? { MaxKeys: input.maxKeys } : {}),
          }),
        );
        return {
          objects: (out.Contents ?? [])
            .filter((o: _Object): o is _Object & { Key: string } => typeof o.Key === "string")
            .map((o) => ({
              key: o.Key,
              size: o.Size ?? 0,
              ...(o.LastModified ? { lastModified: o.LastModified } : {}),
            })),
          ...(out.NextContinuationToken ? { nextContinuationToken: out.NextContinuationToken } : {}),
        };
      }),
    /** The object's bytes. */
    getObject: (bucket: string, key: string) =>
      call(ctx("GetObject"), async () => {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!out.Body) return Buffer.alloc(0);
        return Buffer.from(await out.Body.transformToByteArray());
      }),
    /** Writes an object (a delivered report); returns its ETag. */
    putObject: (input: {
      bucket: string;
      key: string;
      body: Buffer | string;
      contentType: string;
      metadata?: Record<string, string>;
    }) =>
      call(ctx("PutObject"), async () => {
        const body = typeof input.body === "string" ? Buffer.from(input.body, "utf8") : input.body;
        const out = await client.send(
          new PutObjectCommand({
            Bucket: input.bucket,
            Key: input.key,
            Body: body,
            ContentType: input.contentType,
            ContentLength: body.length,
            ...(input.metadata ? { Metadata: input.metadata } : {}),
          }),
        );
        return { etag: out.ETag ?? null };
      }),
  };
}

export type S3Api = ReturnType<typeof s3Api>;
