// Who a CLI command acts as: an operator at a terminal with database access, audited under their
// OS user name.
import { userInfo } from "node:os";
import type { CallContext } from "../kernel/principal.js";

export function operator(): CallContext {
  const name = `cli:${userInfo().username}`;
  return { principal: { kind: "system", id: name, name, roles: ["admin"], groups: [] } };
}
