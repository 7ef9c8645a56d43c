// Small TypeBox shorthands shared by the scenario schema files.
import { type TSchema, Type } from "typebox";
import { AccountIdSchema } from "../kernel/aws-ids.js";

export const Str = (opts: { pattern?: string; minLength?: number; maxLength?: number } = {}) => Type.String(opts);
export const AccountId = AccountIdSchema();
export const IsoDate = Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}(T[0-9:.]+(Z|[+-]\\d{2}:\\d{2}))?$" });
export const Enum = <T extends string>(values: readonly T[]) => Type.Enum([...values]);
export const Obj = <P extends Record<string, TSchema>>(props: P) => Type.Object(props, { additionalProperties: false });
export const Opt = <T extends TSchema>(t: T) => Type.Optional(t);
