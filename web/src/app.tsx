// Providers and routes. Signed out: the sign-in page (any path, so a deep link survives sign-in).
// Signed in: the shell with the pages the role may use; other paths say so instead of rendering.
import { Alert, Center, Loader, Stack } from "@mantine/core";
import { BrowserRouter, Route, Routes } from "react-router";
import { useMe } from "./api/queries";
import { CALLBACK_PATH } from "./auth/oidc";
import { OidcCallback } from "./auth/oidc-callback";
import { PrincipalContext } from "./auth/principal";
import { session, useSession } from "./auth/session";
import { SignInPage } from "./auth/sign-in-page";
import { lazyPage } from "./components/lazy-page";
import { mayUse, navFor } from "./components/navigation";
import { SandboxBanner, Shell } from "./components/shell";

const RequestPage = lazyPage(async () => (await import("./pages/requests/request-page")).RequestPage);
function NotAvailable() {
  return (
    <Alert color="gray" title="Not available">
      This page does not exist, or your role may not use it.
    </Alert>
  );
}

function SignedIn({ token }: { token: string }) {
  const me = useMe(token);
  // A 401 ends the session (api/client.ts) and the sign-in page says why; other errors show here.
  if (me.error) return <SignedOut problem={me.error.message} />;
  if (!me.data)
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  const principal = me.data;
  return (
    <PrincipalContext.Provider value={principal}>
      <Routes>
        <Route element={<Shell principal={principal} />}>
          {navFor(principal.roles).map(({ path, page: Page }) =>
            Page ? <Route key={path} path={path} element={<Page />} /> : null,
          )}
          {mayUse(principal.roles, "requester", "auditor") && <Route path="/requests/:id" element={<RequestPage />} />}
          <Route path="*" element={<NotAvailable />} />
        </Route>
      </Routes>
    </PrincipalContext.Provider>
  );
}

function SignedOut({ problem }: { problem?: string }) {
  return (
    <Stack gap={0}>
      <SandboxBanner />
      <main>
        <Routes>
          <Route path={CALLBACK_PATH} element={<OidcCallback />} />
          <Route path="*" element={<SignInPage problem={problem ?? session.endedBecause()} />} />
        </Routes>
      </main>
    </Stack>
  );
}

export function App() {
  const current = useSession();
  return (
    <BrowserRouter>{current ? <SignedIn key={current.token} token={current.token} /> : <SignedOut />}</BrowserRouter>
  );
}
