// A page loaded on first visit (React.lazy), so the first page's JavaScript stays small; a loader
// shows while its chunk arrives.
import { Loader } from "@mantine/core";
import { type ComponentType, lazy, Suspense } from "react";

export function lazyPage(load: () => Promise<ComponentType>): ComponentType {
  const Page = lazy(async () => ({ default: await load() }));
  return function LazyPage() {
    return (
      <Suspense fallback={<Loader size="sm" aria-label="Loading page" />}>
        <Page />
      </Suspense>
    );
  };
}
