import "@mantine/core/styles.css";
import "./app.css";
import { createTheme, localStorageColorSchemeManager, MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ProblemError } from "./api/client";
import { meQuery } from "./api/queries";
import { App } from "./app";
import { session } from "./auth/session";
import { preloadPage } from "./components/navigation";

// The page's CSP allows style elements only with this response's nonce (src/plugins/console.ts).
const nonce = document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content ?? "";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      // A 4xx will not change on retry; a network blip or 5xx may.
      retry: (count, error) => count < 2 && !(error instanceof ProblemError && error.status < 500),
    },
  },
});

// Shade 8 and a lower luminance threshold keep text on colored backgrounds at 4.5:1 or more (axe).
const theme = createTheme({
  primaryColor: "indigo",
  primaryShade: { light: 8, dark: 8 },
  autoContrast: true,
  luminanceThreshold: 0.2,
  defaultRadius: "sm",
});

// Signed in already: ask for the principal, the page's chunk and its first read at once.
const token = session.token();
if (token !== undefined) {
  void queryClient.prefetchQuery(meQuery(token)).catch(() => undefined);
  preloadPage(window.location.pathname, queryClient);
}

const root = document.getElementById("root");
if (!root) throw new Error("no #root element");
createRoot(root).render(
  <StrictMode>
    <MantineProvider
      theme={theme}
      defaultColorScheme="auto"
      colorSchemeManager={localStorageColorSchemeManager({ key: "bedrock-governor.color-scheme" })}
      getStyleNonce={() => nonce}
    >
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
