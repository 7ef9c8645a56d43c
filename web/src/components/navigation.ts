// The console's pages and who may use them: the roles the API allows on the calls each page makes
// (test/security/authorization-matrix.ts), after role implication. The server stays the authority;
// this only hides what it would refuse. A page without a component is not built yet and is not
// shown to anyone.
import type { QueryClient } from "@tanstack/react-query";
import type { ComponentType } from "react";
import { effectiveRoles, type Role } from "../../../src/kernel/principal";
import { DEFAULT_MATRIX_FILTER, regionMatrixQuery } from "../api/region-matrix";
import { HomePage } from "../pages/home/home-page";
import { type LazyPage, lazyPage } from "./lazy-page";

export interface NavItem {
  path: string;
  label: string;
  /** Any of these (effective) roles may use the page. */
  roles: readonly Role[];
  page?: ComponentType | LazyPage;
  /** The first read the page makes, started with the page's chunk when the console opens on it. */
  prefetch?: (client: QueryClient) => Promise<unknown>;
}

const ANY: readonly Role[] = ["viewer"];

export const NAV: readonly NavItem[] = [
  { path: "/", label: "Home", roles: ANY, page: HomePage },
  {
    path: "/requests/new",
    label: "New request",
    roles: ["requester"],
    page: lazyPage(async () => (await import("../pages/requests/new-request-page")).NewRequestPage),
  },
  {
    path: "/requests",
    label: "Requests",
    roles: ["requester", "auditor"],
    page: lazyPage(async () => (await import("../pages/requests/requests-page")).RequestsPage),
  },
  {
    path: "/approvals",
    label: "Approvals",
    roles: ["approver"],
    page: lazyPage(async () => (await import("../pages/approvals/approvals-page")).ApprovalsPage),
  },
  {
    path: "/organization",
    label: "Organization",
    roles: ANY,
    page: lazyPage(async () => (await import("../pages/organization/organization-page")).OrganizationPage),
    prefetch: (client) => client.prefetchInfiniteQuery(regionMatrixQuery(DEFAULT_MATRIX_FILTER)),
  },
  {
    path: "/findings",
    label: "Findings",
    roles: ANY,
    page: lazyPage(async () => (await import("../pages/findings/findings-page")).FindingsPage),
  },
  {
    path: "/catalog",
    label: "Catalog",
    roles: ANY,
    page: lazyPage(async () => (await import("../pages/catalog/catalog-page")).CatalogPage),
  },
  {
    path: "/policies",
    label: "Policies & plans",
    roles: ANY,
    page: lazyPage(async () => (await import("../pages/policies/policies-page")).PoliciesPage),
  },
  {
    path: "/doctor",
    label: "Doctor",
    roles: ANY,
    page: lazyPage(async () => (await import("../pages/doctor/doctor-page")).DoctorPage),
  },
  {
    path: "/reports",
    label: "Reports",
    roles: ["auditor"],
    page: lazyPage(() => import("../pages/reports/reports-page").then((m) => m.ReportsPage)),
  },
  {
    path: "/audit",
    label: "Audit log",
    roles: ["auditor"],
    page: lazyPage(() => import("../pages/audit/audit-page").then((m) => m.AuditPage)),
  },
  {
    path: "/settings",
    label: "Settings",
    roles: ["admin"],
    page: lazyPage(() => import("../pages/settings/settings-page").then((m) => m.SettingsPage)),
  },
];

/** The pages the roles may use (only pages that exist). */
export function navFor(granted: readonly Role[]): NavItem[] {
  const roles = effectiveRoles(granted);
  return NAV.filter((item) => item.page !== undefined && item.roles.some((r) => roles.has(r)));
}

export function mayUse(granted: readonly Role[], ...anyOf: Role[]): boolean {
  const roles = effectiveRoles(granted);
  return anyOf.some((r) => roles.has(r));
}

/**
 * Starts what the page at `pathname` needs, in parallel and before React asks for it: its chunk
 * and its first read. Opening the console on a page otherwise waits for the principal, then the
 * chunk, then the read, one after the other. Role checks stay with the server and the routes.
 */
export function preloadPage(pathname: string, client: QueryClient): void {
  const item = NAV.find((n) => n.path === pathname);
  if (!item) return;
  if (item.page && "preload" in item.page) void item.page.preload().catch(() => undefined);
  void item.prefetch?.(client).catch(() => undefined);
}
