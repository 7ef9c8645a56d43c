// Loading and error states shared by every panel: the API's problem+json message, never a stack.
import { Alert, Loader } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";

export function QueryState<T>({
  query,
  children,
}: {
  query: Pick<UseQueryResult<T>, "isPending" | "error" | "data">;
  children: (data: T) => ReactNode;
}) {
  if (query.error) {
    return (
      <Alert color="red" title="Could not load">
        {query.error.message}
      </Alert>
    );
  }
  if (query.isPending || query.data === undefined) return <Loader size="sm" aria-label="Loading" />;
  return <>{children(query.data)}</>;
}
