// The RFC 9457 problem document every error becomes (the error handler renders it; every route
// declares it for its error responses).
import { Type } from "typebox";

export const FieldProblemSchema = Type.Object({ field: Type.String(), message: Type.String() });

/** RFC 9457 problem document; extra members may follow. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: "URI reference naming the problem type" }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    code: Type.String({ description: "Stable machine-readable code" }),
    requestId: Type.String(),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(FieldProblemSchema)),
  },
  { additionalProperties: true, $id: "Problem", title: "Problem" },
);
