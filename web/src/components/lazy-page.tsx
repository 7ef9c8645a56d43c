// A page loaded on first visit (React.lazy), so the first page's JavaScript stays small; a loader
// shows while its chunk arrives. `preload` starts the chunk's download before React asks for it
// (the console does so for the page it opens on, alongside its first reads).
import { Loader } from "@mantine/core";
import { type ComponentType, lazy, Suspense } from "react";

export type LazyPage = ComponentType & { preload(): Promise<ComponentType> };

export function lazyPage(load: () => Promise<ComponentType>): LazyPage {
  let loading: Promise<ComponentType> | undefined;
  const preload = () => {
    loading ??= load();
    return loading;
  };
  const Page = lazy(async () => ({ default: await preload() }));
  function Lazy() {
    return (
      <Suspense fallback={<Loader size="sm" aria-label="Loading page" />}>
        <Page />
      </Suspense>
    );
  }
  return Object.assign(Lazy, { preload });
}
