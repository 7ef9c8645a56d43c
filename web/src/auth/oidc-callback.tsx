// The identity provider sends the browser back here with the authorization code.
import { Alert, Container, Loader } from "@mantine/core";
import { useEffect, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { useConsoleSettings } from "../api/queries";
import { completeOidcSignIn } from "./oidc";

export function OidcCallback() {
  const settings = useConsoleSettings();
  const navigate = useNavigate();
  const [error, setError] = useState<string>();
  const started = useRef(false);
  useEffect(() => {
    const oidc = settings.data?.oidc;
    if (!oidc || started.current) return;
    started.current = true;
    completeOidcSignIn(oidc, new URL(window.location.href))
      .then((to) => navigate(to, { replace: true }))
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [settings.data, navigate]);
  return (
    <Container size="xs" py="xl">
      {error ? (
        <Alert color="red" title="Sign-in failed">
          {error}
        </Alert>
      ) : settings.data && !settings.data.oidc ? (
        <Alert color="red">OIDC sign-in is not configured on this service.</Alert>
      ) : (
        <Loader aria-label="Signing in" />
      )}
    </Container>
  );
}
